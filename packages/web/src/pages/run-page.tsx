import './run-page.css'
import type { RunJson } from '@tally/sdk/api'
import { type ReactNode, useEffect, useMemo, useState } from 'react'
import { getRun, type JsonValue } from '../api/runs'
import { useResource } from '../api/use-resource'
import { type ChartView, chartViewParams, parseChartView } from '../charts/chart-view'
import { Link } from '../components/link'
import { Failure, Loading } from '../components/notice'
import { StatusBadge } from '../components/status-badge'
import { formatDuration, formatTime } from '../format'
import { LiveContext } from '../live/live-context'
import { useLiveProject } from '../live/use-live-project'
import { DEFAULT_WORKSPACE, hrefFor, navigate } from '../router'
import { ConfigTree, ValueTable } from '../run/config-tree'
import { RunActions } from '../run/run-actions'
import { RunArtifacts } from '../run/run-artifacts'
import { RunCharts } from '../run/run-charts'
import { RunConsole } from '../run/run-console'
import { RunGit } from '../run/run-git'
import { RunMetadata } from '../run/run-metadata'
import { argvOf, formatArgv, formatJson, runDurationMs, SHOWN_SYSTEM_KEYS } from '../run/run-values'
import { RunValuesPanel } from '../run/run-values-panel'
import { parseValueSteps, type ValueSteps, valueStepParams } from '../run/value-steps'
import { useNow } from '../use-now'

interface Props {
  workspace: string
  project: string
  run: string
  params: URLSearchParams
}

/** One run: status, times, where and how it ran, its error, config, summary, results, charts and point metadata. */
export function RunPage({ workspace, project, run: runId, params }: Props) {
  const run = useResource(`run:${runId}`, (signal) => getRun(runId, signal))
  // The run as an edit on this page left it, until the page loads it again.
  const [edited, setEdited] = useState<RunJson>()
  const ws = workspace === DEFAULT_WORKSPACE ? undefined : workspace
  const projectHref = hrefFor({ workspace: ws, project })
  // Live over the project's one event stream: the run's status, summary and fields as they
  // change, and its charts' new points (the charts listen through LiveContext).
  const loaded = run.state === 'ready' ? run.data : undefined
  const asLoaded = useMemo(() => (loaded === undefined ? undefined : [loaded]), [loaded])
  // The run's own project (the URL's may be wrong: the run was found by id alone).
  const live = useLiveProject(loaded?.workspace ?? workspace, loaded?.project ?? project, asLoaded)
  const liveRun = live.runs?.find((r) => r.id === runId)
  // Deleted while the page was open: it left the live list.
  const deleted = loaded !== undefined && live.runs !== undefined && liveRun === undefined
  const shown = run.state === 'ready' ? newest(edited, liveRun ?? run.data) : undefined
  const name = shown?.name ?? runId

  useEffect(() => {
    document.title = `${name} · ${project} · Tally`
    return () => {
      document.title = 'Tally'
    }
  }, [name, project])

  // A run URL whose run is not (or no longer) there opens its project, as such URLs always did.
  const missing = deleted || (run.state === 'error' && (run.error.code === 'run_not_found' || run.error.code === 'not_found'))
  useEffect(() => {
    if (missing) navigate(projectHref, { replace: true })
  }, [missing, projectHref])

  const chartView = parseChartView(params)
  const valueSteps = parseValueSteps(params)
  const go = (chart: ChartView, steps: ValueSteps, push?: boolean): void =>
    navigate(hrefFor({ workspace: ws, project, run: runId, ...chartViewParams(chart), ...valueStepParams(steps) }), { replace: !push })
  const onView = (chart: ChartView, push?: boolean): void => go(chart, valueSteps, push)
  const onValueSteps = (steps: ValueSteps): void => go(chartView, steps)

  return (
    <LiveContext.Provider value={live.points}>
      <main className="run-page">
        <nav className="crumbs" aria-label="Breadcrumb">
          <Link href={hrefFor({ workspace: ws })}>Projects</Link> <span aria-hidden="true">/</span>{' '}
          <Link href={projectHref}>{project}</Link> <span aria-hidden="true">/</span>
        </nav>
        {run.state === 'loading' && (
          <>
            <h1>{runId}</h1>
            <Loading what="the run" />
          </>
        )}
        {run.state === 'error' && (
          <>
            <h1>{runId}</h1>
            <Failure what={`run ${runId}`} error={run.error} retry={run.retry} />
            <p>
              <Link href={projectHref}>Back to {project}</Link>
            </p>
          </>
        )}
        {shown !== undefined && (
          <RunDetails
            run={shown}
            chartView={chartView}
            onView={onView}
            valueSteps={valueSteps}
            onValueSteps={onValueSteps}
            actions={<RunActions run={shown} onChange={setEdited} projectHref={projectHref} />}
          />
        )}
      </main>
    </LiveContext.Provider>
  )
}

/** The later of an edit made on this page and the run as the server last said it is. */
function newest(edited: RunJson | undefined, current: RunJson): RunJson {
  if (edited === undefined) return current
  return (edited.updatedAt ?? '') > (current.updatedAt ?? '') ? edited : current
}

function RunDetails({
  run,
  chartView,
  onView,
  valueSteps,
  onValueSteps,
  actions,
}: {
  run: RunJson
  chartView: ChartView
  onView: (v: ChartView, push?: boolean) => void
  valueSteps: ValueSteps
  onValueSteps: (steps: ValueSteps) => void
  actions: ReactNode
}) {
  const now = useNow(1000, run.status === 'running')
  const argv = argvOf(run)
  const sys = run.system
  const str = (v: JsonValue | undefined): string | undefined => (v === undefined || v === null ? undefined : formatJson(v))
  const otherSystem = Object.fromEntries(Object.entries(sys).filter(([k]) => !(SHOWN_SYSTEM_KEYS as readonly string[]).includes(k)))
  return (
    <>
      <header className="run-head">
        <h1>{run.name}</h1>
        <StatusBadge status={run.status} />
        <span className="muted">
          id <code>{run.id}</code>
        </span>
        {actions}
      </header>
      {(run.group !== null || run.tags.length > 0 || run.description) && (
        <p className="run-labels">
          {run.group !== null && (
            <span>
              group <strong>{run.group}</strong>
            </span>
          )}
          {run.tags.map((tag) => (
            <span className="tag" key={tag}>
              {tag}
            </span>
          ))}
          {run.description && <span className="run-description">{run.description}</span>}
        </p>
      )}
      {run.error !== null && (
        <section className="run-error" role="alert" aria-label="Error">
          <h2>{run.status === 'failed' ? 'Failed' : 'Error'}</h2>
          <pre>{run.error}</pre>
        </section>
      )}
      {run.status === 'crashed' && run.error === null && (
        <p className="run-error" role="note">
          The run’s process stopped without saying so (killed, or its machine went down). It last reported at {formatTime(run.heartbeatAt)}.
        </p>
      )}

      <section aria-labelledby="run-overview">
        <h2 id="run-overview">Overview</h2>
        <dl className="run-facts">
          <Fact label="Created" value={formatTime(run.createdAt)} title={run.createdAt ?? undefined} />
          <Fact
            label="Finished"
            value={run.finishedAt === null ? (run.status === 'running' ? 'still running' : '–') : formatTime(run.finishedAt)}
            title={run.finishedAt ?? undefined}
          />
          <Fact label="Duration" value={formatDuration(runDurationMs(run, now) ?? Number.NaN)} />
          <Fact label="Last heartbeat" value={formatTime(run.heartbeatAt)} title={run.heartbeatAt ?? undefined} />
          <Fact label="Last step" value={run.lastStep === null ? '–' : String(run.lastStep)} />
          <Fact optional label="Host" value={str(sys.host)} />
          <Fact optional label="PID" value={str(sys.pid)} />
          <Fact optional label="Platform" value={[str(sys.platform), str(sys.arch)].filter(Boolean).join(' ') || undefined} />
          <Fact optional label="Runtime" value={str(sys.runtime)} />
          <Fact optional label="Working directory" value={str(sys.cwd)} code />
          <Fact optional label="Command" value={argv === undefined ? undefined : formatArgv(argv)} code wide />
          <RunGit git={sys.git} />
        </dl>
        {Object.keys(otherSystem).length > 0 && (
          <details className="run-system">
            <summary>More about the system</summary>
            <ValueTable caption="System" values={otherSystem} empty="" />
          </details>
        )}
      </section>

      <div className="run-columns">
        <section aria-labelledby="run-config">
          <h2 id="run-config">Config</h2>
          <ConfigTree config={run.config} />
        </section>
        <section aria-labelledby="run-summary">
          <h2 id="run-summary">Summary</h2>
          <ValueTable
            caption="Summary"
            values={run.summary}
            empty="No summary yet: it holds the last value of every metric the run logs."
          />
          <h2 id="run-results">Results</h2>
          <ValueTable caption="Results" values={run.results} empty="No results. Record one with run.result('test_acc', 0.95)." />
        </section>
      </div>

      <section aria-labelledby="run-metrics">
        <h2 id="run-metrics">Metrics</h2>
        <RunCharts run={run} view={chartView} onView={onView} />
      </section>
      <RunValuesPanel runId={run.id} steps={valueSteps} onSteps={onValueSteps} />
      <RunConsole runId={run.id} status={run.status} />
      <RunMetadata runId={run.id} />
      <RunArtifacts runId={run.id} />
    </>
  )
}

/** One fact of the overview; an `optional` one without a value (a run logged without it) is left out. */
function Fact({
  label,
  value,
  title,
  code,
  wide,
  optional,
}: {
  label: string
  value: string | undefined
  title?: string
  code?: boolean
  wide?: boolean
  optional?: boolean
}) {
  if (optional && value === undefined) return null
  return (
    <div className={wide ? 'fact wide' : 'fact'} data-fact={label.toLowerCase()}>
      <dt>{label}</dt>
      <dd title={title}>{value === undefined ? <span className="muted">–</span> : code ? <code>{value}</code> : value}</dd>
    </div>
  )
}
