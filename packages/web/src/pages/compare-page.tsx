import '../compare/compare.css'
import type { RunJson } from '@tally/sdk/api'
import { useEffect, useMemo, useState } from 'react'
import { useResource } from '../api/use-resource'
import { loadComparedRuns } from '../compare/compare-runs'
import { diffRows, searchRows } from '../compare/config-diff'
import { DiffTable } from '../compare/diff-table'
import { pickMetric } from '../compare/parallel-coords'
import { ParallelView } from '../compare/parallel-view'
import { Link } from '../components/link'
import { Empty, Failure, Loading } from '../components/notice'
import { type CompareRuns, compareHref, DEFAULT_WORKSPACE, hrefFor, navigate } from '../router'

interface Props {
  workspace: string
  project: string
  runs: CompareRuns
  params: URLSearchParams
}

/** Runs side by side: their configs and summaries as a diff, and a parallel-coordinates view of what varies. */
export function ComparePage({ workspace, project, runs: which, params }: Props) {
  const key = `compare:${workspace}:${project}:${which === 'all' ? '*all' : which.join(',')}`
  const loaded = useResource(key, (signal) => loadComparedRuns(workspace, project, which, signal))
  const ws = workspace === DEFAULT_WORKSPACE ? undefined : workspace
  const projectHref = hrefFor({ workspace: ws, project })

  useEffect(() => {
    document.title = `Compare · ${project} · Tally`
    return () => {
      document.title = 'Tally'
    }
  }, [project])

  return (
    <main className="compare-page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href={hrefFor({ workspace: ws })}>Projects</Link> <span aria-hidden="true">/</span> <Link href={projectHref}>{project}</Link>{' '}
        <span aria-hidden="true">/</span>
      </nav>
      <h1>Compare runs</h1>
      {loaded.state === 'loading' && <Loading what="the runs to compare" />}
      {loaded.state === 'error' && <Failure what="the runs to compare" error={loaded.error} retry={loaded.retry} />}
      {loaded.state === 'ready' && (
        <>
          {loaded.data.missing.length > 0 && (
            <p className="notice compare-missing" role="note">
              Not found in {project}: {loaded.data.missing.map((id, i) => [i > 0 && ', ', <code key={id}>{id}</code>])}. They may have been
              deleted, or belong to another project; {loaded.data.runs.length >= 2 ? 'the others are compared below.' : 'pick others.'}
            </p>
          )}
          {loaded.data.runs.length < 2 ? (
            <Empty title={which === 'all' ? `${project} has fewer than two runs` : 'Pick at least two runs to compare'}>
              <p>
                {which === 'all'
                  ? 'Comparing needs two runs or more: log another run into this project.'
                  : 'Select two runs or more in the runs table and press Compare, or list their ids in the address: '}
                {which !== 'all' && <code>?project={project}&amp;compare=ID1,ID2</code>}
              </p>
              <p>
                <Link href={projectHref}>Back to {project}</Link>
              </p>
            </Empty>
          ) : (
            <Comparison
              runs={loaded.data.runs}
              workspace={workspace}
              project={project}
              which={which}
              params={params}
              projectHref={projectHref}
            />
          )}
        </>
      )}
    </main>
  )
}

function Comparison({
  runs,
  workspace,
  project,
  which,
  params,
  projectHref,
}: {
  runs: RunJson[]
  workspace: string
  project: string
  which: CompareRuns
  params: URLSearchParams
  projectHref: string
}) {
  const [search, setSearch] = useState('')
  const config = useMemo(() => diffRows(runs, 'config'), [runs])
  const summary = useMemo(() => diffRows(runs, 'summary'), [runs])
  const configFields = useMemo(() => config.filter((r) => r.differs).map((r) => `config.${r.key}`), [config])
  const metricKeys = useMemo(() => [...new Set(runs.flatMap((r) => Object.keys(r.summary)))].sort((a, b) => a.localeCompare(b)), [runs])
  const metric = pickMetric(metricKeys, params.get('pc_metric'))
  const onMetric = (k: string): void => navigate(compareHref(workspace, project, which, { pc_metric: k }), { replace: true })
  const shownConfig = searchRows(config, search)
  const shownSummary = searchRows(summary, search)
  const differing = config.filter((r) => r.differs).length

  return (
    <>
      <p className="compare-lead">
        {runs.length} runs{which === 'all' && ` (every run of ${project})`}: {differing} config{' '}
        {differing === 1 ? 'key differs' : 'keys differ'}. <Link href={projectHref}>Back to {project}</Link>
      </p>
      <section aria-labelledby="compare-pc">
        <h2 id="compare-pc">Parallel coordinates</h2>
        <ParallelView
          runs={runs}
          workspace={workspace}
          project={project}
          configFields={configFields}
          metricKeys={metricKeys}
          metric={metric}
          onMetric={onMetric}
        />
      </section>
      <section aria-labelledby="compare-diff">
        <h2 id="compare-diff">Config and summary</h2>
        <label className="filter">
          <span className="visually-hidden">Search keys</span>
          <input
            type="search"
            placeholder="Search config and summary keys"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setSearch('')
            }}
          />
        </label>
        {search !== '' && shownConfig.length === 0 && shownSummary.length === 0 ? (
          <p className="muted" role="status">
            No key matches “{search}”.{' '}
            <button type="button" onClick={() => setSearch('')}>
              Clear the search
            </button>
          </p>
        ) : (
          <>
            <h3>Config</h3>
            {config.length === 0 ? (
              <p className="muted">None of these runs has a config.</p>
            ) : (
              <DiffTable caption="Config" runs={runs} workspace={workspace} project={project} rows={shownConfig} expand={search !== ''} />
            )}
            <h3>Summary metrics</h3>
            {summary.length === 0 ? (
              <p className="muted">None of these runs has a summary yet: it holds the last value of every metric a run logs.</p>
            ) : (
              <>
                <p className="muted">
                  ★ marks each row’s best value: the lowest for keys with “loss” or “error” in their name, the highest otherwise; system
                  metrics are not ranked.
                </p>
                <DiffTable
                  caption="Summary"
                  runs={runs}
                  workspace={workspace}
                  project={project}
                  rows={shownSummary}
                  ranked
                  expand={search !== ''}
                />
              </>
            )}
          </>
        )}
      </section>
    </>
  )
}
