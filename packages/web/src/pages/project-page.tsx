import { type KeyboardEvent, useEffect, useRef, useState } from 'react'
import { listAllRuns } from '../api/client'
import { useResource } from '../api/use-resource'
import { ChartGrid } from '../charts/chart-grid'
import { type ChartView, chartViewParams, parseChartView } from '../charts/chart-view'
import { Link } from '../components/link'
import { Empty, Failure, Loading } from '../components/notice'
import { LiveContext } from '../live/live-context'
import type { LiveStatus } from '../live/project-stream'
import { useLiveProject } from '../live/use-live-project'
import { DEFAULT_WORKSPACE, hrefFor, navigate } from '../router'
import { parseConditions, whereRuns } from '../runs/conditions'
import { fieldKeys, parseCols } from '../runs/run-fields'
import { RunsTable } from '../runs/runs-table'
import { DEFAULT_SORT, filterRuns, nextSort, parseSort, type Sort, sortRuns } from '../runs/runs-view'
import { useNow } from '../use-now'

interface Props {
  workspace: string
  project: string
  params: URLSearchParams
}

/** A project's runs: a table sorted and filtered by what the URL says, and charts of the runs it shows. */
export function ProjectPage({ workspace, project, params }: Props) {
  const runs = useResource(`runs:${workspace}:${project}`, (signal) => listAllRuns(workspace, project, signal))
  const sort = parseSort(params)
  const query = params.get('q') ?? ''
  const where = params.get('where') ?? ''
  const cols = parseCols(params)
  const ws = workspace === DEFAULT_WORKSPACE ? undefined : workspace
  const chartView = parseChartView(params)
  const hrefWith = (change: { sort?: Sort; q?: string; where?: string; cols?: string[]; chart?: ChartView }): string => {
    const s = change.sort ?? sort
    const isDefault = s.column === DEFAULT_SORT.column && s.order === DEFAULT_SORT.order
    return hrefFor({
      workspace: ws,
      project,
      sort: isDefault ? undefined : s.column,
      order: isDefault ? undefined : s.order,
      q: change.q ?? query,
      where: change.where ?? where,
      cols: (change.cols ?? cols).join(','),
      ...chartViewParams(change.chart ?? chartView),
    })
  }

  useEffect(() => {
    document.title = `${project} · Tally`
    return () => {
      document.title = 'Tally'
    }
  }, [project])

  const live = useLiveProject(workspace, project, runs.state === 'ready' ? runs.data : undefined)
  const all = live.runs ?? []
  const running = all.some((r) => r.status === 'running')
  const now = useNow(1000, running)
  const parsedWhere = parseConditions(where)
  // A malformed condition filters nothing (its error is shown by the box) rather than hide every run.
  const shown = sortRuns(whereRuns(filterRuns(all, query), parsedWhere.conditions), sort, now)
  const keys = fieldKeys(all)

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
        {runs.state === 'loading' && <Loading what="runs" />}
        {runs.state === 'error' && <Failure what={`the runs of ${project}`} error={runs.error} retry={runs.retry} />}
        {runs.state === 'ready' && all.length === 0 && (
          <Empty title={`No runs in ${project} yet`}>
            <p>
              Check the project’s name on the <Link href={hrefFor({ workspace: ws })}>projects page</Link>, or log a run into it:
            </p>
            <pre>
              <code>{`const run = tally.init({ project: ${JSON.stringify(project)} })`}</code>
            </pre>
            <p>
              It shows up here by itself as it starts logging (or{' '}
              <button type="button" onClick={runs.retry}>
                reload
              </button>
              ).
            </p>
          </Empty>
        )}
        {runs.state === 'ready' && all.length > 0 && (
          <>
            <Toolbar query={query} total={all.length} shown={shown.length} onQuery={(q) => navigate(hrefWith({ q }), { replace: true })} />
            <div className="toolbar">
              <ConditionBox where={where} error={parsedWhere.error} onWhere={(w) => navigate(hrefWith({ where: w }), { replace: true })} />
              <ColumnPicker keys={keys} chosen={cols} onChange={(c) => navigate(hrefWith({ cols: c }), { replace: true })} />
            </div>
            {shown.length === 0 ? (
              <Empty title={query !== '' ? `No run matches “${query}”` : 'No run meets the conditions'}>
                <p>The filter looks for every word in a run’s name, id, status, group and tags; every condition must hold.</p>
                <button type="button" onClick={() => navigate(hrefWith({ q: '', where: '' }), { replace: true })}>
                  Clear the filter
                </button>
              </Empty>
            ) : (
              <RunsTable
                runs={shown}
                sort={sort}
                now={now}
                caption={`Runs of ${project}`}
                fields={cols}
                onSort={(column) => navigate(hrefWith({ sort: nextSort(sort, column) }), { replace: true })}
              />
            )}
            {shown.length > 0 && (
              <ChartGrid runs={shown} view={chartView} onView={(chart, push) => navigate(hrefWith({ chart }), { replace: !push })} />
            )}
          </>
        )}
      </main>
    </LiveContext.Provider>
  )
}

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

function Toolbar({ query, total, shown, onQuery }: { query: string; total: number; shown: number; onQuery: (q: string) => void }) {
  const input = useRef<HTMLInputElement>(null)
  // Typing goes into the URL as it happens; the field follows the URL when it changes
  // otherwise (back, forward, "Clear the filter").
  const [text, setText] = useState(query)
  useEffect(() => setText(query), [query])
  useEffect(() => {
    const focus = (e: globalThis.KeyboardEvent): void => {
      const target = e.target as HTMLElement | null
      if (e.key !== '/' || target?.closest('input, textarea, [contenteditable="true"]')) return
      e.preventDefault()
      input.current?.focus()
    }
    window.addEventListener('keydown', focus)
    return () => window.removeEventListener('keydown', focus)
  }, [])
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'Escape' && text !== '') {
      setText('')
      onQuery('')
    }
  }
  return (
    <div className="toolbar">
      <label className="filter">
        <span className="visually-hidden">Filter runs</span>
        <input
          ref={input}
          type="search"
          placeholder="Filter runs by name, status, group, tag   ( / )"
          value={text}
          onChange={(e) => {
            setText(e.target.value)
            onQuery(e.target.value)
          }}
          onKeyDown={onKeyDown}
        />
      </label>
      <span className="muted" aria-live="polite">
        {shown === total ? `${total} ${total === 1 ? 'run' : 'runs'}` : `${shown} of ${total} runs`}
      </span>
    </div>
  )
}

/** `config.lr > 0.001; status != failed`: conditions as `tally runs --where` reads them, all of which must hold. */
function ConditionBox({ where, error, onWhere }: { where: string; error: string | undefined; onWhere: (w: string) => void }) {
  const [text, setText] = useState(where)
  useEffect(() => setText(where), [where])
  return (
    <div className="conditions">
      <label className="filter">
        <span className="visually-hidden">Conditions</span>
        <input
          type="search"
          name="where"
          placeholder="Conditions: config.lr > 0.001; summary.loss <= 0.2"
          value={text}
          aria-invalid={error !== undefined}
          aria-describedby={error !== undefined ? 'where-error' : undefined}
          onChange={(e) => {
            setText(e.target.value)
            onWhere(e.target.value)
          }}
        />
      </label>
      {error !== undefined && (
        <p id="where-error" className="where-error" role="alert">
          {error}
        </p>
      )}
    </div>
  )
}

/** Which config and summary keys are columns: a checkbox each, in the URL as `cols=`. */
function ColumnPicker({
  keys,
  chosen,
  onChange,
}: {
  keys: readonly string[]
  chosen: readonly string[]
  onChange: (cols: string[]) => void
}) {
  const all = [...new Set([...keys, ...chosen])]
  return (
    <details className="column-picker">
      <summary>Columns{chosen.length > 0 ? ` (${chosen.length})` : ''}</summary>
      <div className="column-list">
        {all.length === 0 && <p className="muted">No config or summary keys yet.</p>}
        {all.map((key) => (
          <label key={key}>
            <input
              type="checkbox"
              value={key}
              checked={chosen.includes(key)}
              onChange={(e) => onChange(e.target.checked ? [...chosen, key] : chosen.filter((k) => k !== key))}
            />{' '}
            {key}
          </label>
        ))}
      </div>
    </details>
  )
}
