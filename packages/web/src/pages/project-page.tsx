import type { RunJson } from '@tally/sdk/api'
import { useDeferredValue, useEffect, useMemo, useState } from 'react'
import { ChartGrid, MAX_CHART_RUNS } from '../charts/chart-grid'
import { type ChartView, chartViewParams, parseChartView } from '../charts/chart-view'
import { ValuePanels } from '../charts/value-panels'
import { Link } from '../components/link'
import { Empty, Failure, Loading } from '../components/notice'
import { LiveContext } from '../live/live-context'
import type { LiveStatus } from '../live/project-stream'
import { useLiveProject } from '../live/use-live-project'
import { DEFAULT_WORKSPACE, hrefFor, navigate } from '../router'
import { parseConditions, whereRuns } from '../runs/conditions'
import { groupRuns, tableRows } from '../runs/grouping'
import { fieldKeys, parseCols } from '../runs/run-fields'
import {
  type GroupBy,
  groupByParam,
  parseGroupBy,
  parseList,
  parseSidebar,
  restrictRuns,
  runsParamFor,
  type Sidebar,
} from '../runs/runs-params'
import { RunsTable } from '../runs/runs-table'
import { ColumnPicker, ConditionBox, GroupBySelect, Toolbar } from '../runs/runs-toolbar'
import { DEFAULT_SORT, filterRuns, nextSort, parseSort, type Sort, sortRuns } from '../runs/runs-view'
import { selectAllState, toggleAll, toggleId } from '../runs/selection'
import { SelectionBar } from '../runs/selection-bar'
import { useProjectRuns } from '../runs/use-project-runs'
import { useNow } from '../use-now'

interface Props {
  workspace: string
  project: string
  params: URLSearchParams
}

interface Change {
  sort?: Sort
  q?: string
  where?: string
  cols?: string[]
  chart?: ChartView
  sel?: string[]
  hide?: string[]
  runs?: string
  /** `null` ungroups. */
  groupBy?: GroupBy | null
  sidebar?: Sidebar
}

/**
 * A project's runs: a table sorted, filtered and grouped by what the URL says, and charts of
 * the runs it shows (less those hidden). `runs=` and `sidebar=` are Trackio's embedding
 * parameters: only these runs, and the runs panel hidden or folded to one line.
 */
export function ProjectPage({ workspace, project, params }: Props) {
  const loaded = useProjectRuns(workspace, project)
  const sort = parseSort(params)
  const query = params.get('q') ?? ''
  const where = params.get('where') ?? ''
  const cols = parseCols(params)
  const selText = params.get('sel')
  const hideText = params.get('hide')
  const sel = useMemo(() => parseList(selText), [selText])
  const hide = useMemo(() => parseList(hideText), [hideText])
  const runsParam = params.get('runs') ?? ''
  const groupBy = parseGroupBy(params.get('group_by'))
  const sidebar = parseSidebar(params.get('sidebar'))
  const ws = workspace === DEFAULT_WORKSPACE ? undefined : workspace
  const chartView = parseChartView(params)
  const hrefWith = (change: Change): string => {
    const s = change.sort ?? sort
    const isDefault = s.column === DEFAULT_SORT.column && s.order === DEFAULT_SORT.order
    return hrefFor({
      workspace: ws,
      project,
      runs: change.runs ?? runsParam,
      sort: isDefault ? undefined : s.column,
      order: isDefault ? undefined : s.order,
      q: change.q ?? query,
      where: change.where ?? where,
      cols: (change.cols ?? cols).join(','),
      group_by: groupByParam(change.groupBy === null ? undefined : (change.groupBy ?? groupBy)),
      sel: (change.sel ?? sel).join(','),
      hide: (change.hide ?? hide).join(','),
      sidebar: (change.sidebar ?? sidebar) === 'shown' ? undefined : (change.sidebar ?? sidebar),
      ...chartViewParams(change.chart ?? chartView),
    })
  }
  const go = (change: Change): void => navigate(hrefWith(change), { replace: true })

  useEffect(() => {
    document.title = `${project} · Tally`
    return () => {
      document.title = 'Tally'
    }
  }, [project])

  const base = loaded.state === 'loading' ? undefined : loaded.runs
  const complete = loaded.state === 'ready' && loaded.complete
  const live = useLiveProject(workspace, project, base, complete)
  const all = live.runs ?? NO_RUNS
  const running = all.some((r) => r.status === 'running')
  const now = useNow(1000, running)
  const parsedWhere = useMemo(() => parseConditions(where), [where])
  const scoped = useMemo(() => restrictRuns(all, parseList(runsParam)), [all, runsParam])
  // Durations are the only sort key that moves with the clock; other sorts ignore its ticks.
  const sortNow = sort.column === 'duration' ? now : 0
  // A malformed condition filters nothing (its error is shown by the box) rather than hide every run.
  const shown = useMemo(
    () => sortRuns(whereRuns(filterRuns(scoped, query), parsedWhere.conditions), { column: sort.column, order: sort.order }, sortNow),
    [scoped, query, parsedWhere, sort.column, sort.order, sortNow],
  )
  const keys = useMemo(() => fieldKeys(all), [all])
  const groupKey = groupByParam(groupBy) ?? ''
  const [collapsed, setCollapsed] = useState<{ by: string; keys: ReadonlySet<string> }>({ by: '', keys: new Set() })
  const shut = collapsed.by === groupKey ? collapsed.keys : NO_IDS
  // biome-ignore lint/correctness/useExhaustiveDependencies: groupKey stands for groupBy, which is parsed anew each render
  const rows = useMemo(() => tableRows(shown, groupBy === undefined ? undefined : groupRuns(shown, groupBy), shut), [shown, groupKey, shut])
  const selected = useMemo(() => new Set(sel), [sel])
  const hidden = useMemo(() => new Set(hide), [hide])
  const charted = useMemo(() => shown.filter((r) => !hidden.has(r.id)), [shown, hidden])
  // The charts render after the table has painted (a deferred render), so a big project's
  // first rows do not wait for the chart grid.
  const deferredCharted = useDeferredValue(charted, NO_RUNS)
  const byId = useMemo(() => new Map(all.map((r) => [r.id, r])), [all])
  const chosen = sel.flatMap((id) => byId.get(id) ?? [])
  const shownIds = useMemo(() => shown.map((r) => r.id), [shown])

  const onGroup = (key: string, fold: boolean): void => {
    const next = new Set(shut)
    if (fold) next.add(key)
    else next.delete(key)
    setCollapsed({ by: groupKey, keys: next })
  }

  const loading = loaded.state === 'ready' && !loaded.complete ? { loaded: all.length, of: loaded.total } : undefined
  const panel = (
    <>
      {loaded.state === 'error' && <Failure what={`all the runs of ${project}`} error={loaded.error} retry={loaded.retry} />}
      {/* Before the filter, so Tab from the filter still goes straight on to the conditions, columns and table. */}
      <div className="toolbar runs-view-bar">
        <GroupBySelect
          value={groupBy}
          configKeys={keys.filter((k) => k.startsWith('config.'))}
          onChange={(g) => go({ groupBy: g ?? null })}
        />
        <button type="button" className="link-button" onClick={() => go({ sidebar: 'collapsed' })}>
          Fold the runs
        </button>
      </div>
      <Toolbar query={query} total={scoped.length} shown={shown.length} loading={loading} onQuery={(q) => go({ q })} />
      <div className="toolbar">
        <ConditionBox where={where} error={parsedWhere.error} onWhere={(w) => go({ where: w })} />
        <ColumnPicker keys={keys} chosen={cols} onChange={(c) => go({ cols: c })} />
      </div>
      {runsParam !== '' && (
        <p className="runs-scope">
          Only the runs named in the link ({scoped.length} of {all.length}). <Link href={hrefWith({ runs: '' })}>Show every run</Link>
        </p>
      )}
      <SelectionBar
        runs={chosen}
        compareHref={hrefFor({ workspace: ws, project, compare: chosen.map((r) => r.id).join(',') })}
        onChartOnly={() => go({ runs: runsParamFor(chosen, all) })}
        onClear={() => go({ sel: [] })}
      />
      {shown.length === 0 ? (
        <Empty
          title={
            query !== ''
              ? `No run matches “${query}”`
              : runsParam !== '' && scoped.length === 0
                ? 'None of the runs in the link is here'
                : 'No run meets the conditions'
          }
        >
          <p>
            The filter looks for every word in a run’s name, id, status, group and tags; every condition must hold; a link’s runs= keeps
            only the runs it names.
          </p>
          <button type="button" onClick={() => go({ q: '', where: '', runs: '' })}>
            Clear the filter
          </button>
        </Empty>
      ) : (
        <RunsTable
          rows={rows}
          sort={sort}
          now={now}
          caption={`Runs of ${project}`}
          fields={cols}
          onSort={(column) => go({ sort: nextSort(sort, column) })}
          selected={selected}
          allState={selectAllState(shownIds, selected)}
          onSelect={(id) => go({ sel: toggleId(sel, id) })}
          onSelectAll={() => go({ sel: toggleAll(shownIds, sel) })}
          hidden={hidden}
          onHide={(id) => go({ hide: toggleId(hide, id) })}
          groupName={groupBy === undefined ? undefined : groupBy.kind === 'config' ? groupBy.key : groupBy.kind}
          onGroup={onGroup}
        />
      )}
    </>
  )

  return (
    <LiveContext.Provider value={live.points}>
      <main>
        <nav className="crumbs" aria-label="Breadcrumb">
          <Link href={hrefFor({ workspace: ws })}>Projects</Link> <span aria-hidden="true">/</span>
        </nav>
        <div className="page-head">
          <h1>{project}</h1>
          <LiveIndicator status={live.status} />
        </div>
        {loaded.state === 'loading' && <Loading what="runs" />}
        {loaded.state === 'error' && all.length === 0 && (
          <Failure what={`the runs of ${project}`} error={loaded.error} retry={loaded.retry} />
        )}
        {loaded.state === 'ready' && all.length === 0 && (
          <Empty title={`No runs in ${project} yet`}>
            <p>
              Check the project’s name on the <Link href={hrefFor({ workspace: ws })}>projects page</Link>, or log a run into it:
            </p>
            <pre>
              <code>{`const run = tally.init({ project: ${JSON.stringify(project)} })`}</code>
            </pre>
            <p>
              It shows up here by itself as it starts logging (or{' '}
              <button type="button" onClick={loaded.retry}>
                reload
              </button>
              ).
            </p>
          </Empty>
        )}
        {loaded.state !== 'loading' && all.length > 0 && (
          <>
            {sidebar === 'shown' && (
              <section className="runs-panel" aria-label="Runs">
                {panel}
              </section>
            )}
            {sidebar === 'collapsed' && (
              <div className="runs-folded">
                <button type="button" aria-expanded="false" onClick={() => go({ sidebar: 'shown' })}>
                  {shown.length} {shown.length === 1 ? 'run' : 'runs'} · show
                </button>
              </div>
            )}
            {charted.length === 0 && shown.length > 0 && (
              <p className="notice">Every shown run is hidden from the charts: click a run’s eye in the table to chart it again.</p>
            )}
            {deferredCharted.length > 0 && (
              <ChartGrid
                runs={deferredCharted}
                view={chartView}
                onView={(chart, push) => navigate(hrefWith({ chart }), { replace: !push })}
              />
            )}
            {deferredCharted.length > 0 && (
              <ValuePanels
                runs={deferredCharted.slice(0, MAX_CHART_RUNS)}
                runHref={(r) => hrefFor({ workspace: ws, project, run: r.id })}
              />
            )}
          </>
        )}
      </main>
    </LiveContext.Provider>
  )
}

const NO_RUNS: readonly RunJson[] = []
const NO_IDS: ReadonlySet<string> = new Set()

const LIVE_LABELS: Record<LiveStatus, { text: string; title: string }> = {
  connecting: { text: 'connecting', title: 'Connecting to live updates…' },
  live: { text: 'live', title: 'Live: new runs, status changes and new points appear as they are logged.' },
  reconnecting: { text: 'reconnecting', title: 'The live connection dropped; trying again. What is shown may be behind.' },
}

/** Whether the page's live stream is connected. */
function LiveIndicator({ status }: { status: LiveStatus }) {
  const { text, title } = LIVE_LABELS[status]
  return (
    <span className="live-status" data-status={status} title={title} role="status">
      <span className="live-dot" aria-hidden="true" />
      {text}
    </span>
  )
}
