import type { RunJson } from '@tally/sdk/api'
import { listKeys } from '../api/client'
import { useResource } from '../api/use-resource'
import type { ChartView } from '../charts/chart-view'
import { MetricChart } from '../charts/metric-chart'
import { sectionsOf } from '../charts/metric-keys'
import { Empty, Failure, Loading } from '../components/notice'

interface Props {
  run: RunJson
  view: ChartView
  onView: (view: ChartView, push?: boolean) => void
}

/** One small chart per metric key of the run, in sections by key prefix, as on the project page. */
export function RunCharts({ run, view, onView }: Props) {
  const keys = useResource(`keys:${run.id}`, (signal) => listKeys(run.id, signal))
  const sections = sectionsOf(keys.state === 'ready' ? keys.data.map((k) => k.key) : [], view.metrics)
  const zoomed = view.xmin !== undefined
  return (
    <section className="charts run-charts" aria-label="Metrics">
      <div className="toolbar chart-controls">
        <label className="filter">
          <span className="visually-hidden">Search metrics</span>
          <input
            type="search"
            placeholder="Search metrics"
            value={view.metrics}
            onChange={(e) => onView({ ...view, metrics: e.target.value })}
          />
        </label>
        {zoomed && (
          <button type="button" onClick={() => onView({ ...view, xmin: undefined, xmax: undefined }, true)}>
            Reset zoom (steps {view.xmin}–{view.xmax})
          </button>
        )}
        <span className="muted">Drag across a chart to zoom, double-click to zoom out.</span>
      </div>
      {keys.state === 'loading' && <Loading what="metric keys" />}
      {keys.state === 'error' && <Failure what="the run's metric keys" error={keys.error} retry={keys.retry} />}
      {keys.state === 'ready' && sections.length === 0 && (
        <Empty title={view.metrics ? `No metric matches “${view.metrics}”` : 'No metrics logged yet'}>
          <p>{view.metrics ? 'The search keeps keys containing any of its words.' : 'Log one with run.log({ loss }) and reload.'}</p>
        </Empty>
      )}
      {sections.map((section) => (
        <section key={section.name} className="chart-section" data-section={section.name}>
          <h3>{section.name || 'metrics'}</h3>
          <div className="chart-grid">
            {section.keys.map((key) => (
              <MetricChart
                key={key}
                metric={key}
                runs={[run]}
                view={view}
                onZoom={(range) => onView({ ...view, xmin: range?.xmin, xmax: range?.xmax }, true)}
              />
            ))}
          </div>
        </section>
      ))}
    </section>
  )
}
