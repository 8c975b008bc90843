import type { RunJson } from '@tally/sdk/api'
import { listKeys } from '../api/client'
import { useResource } from '../api/use-resource'
import { ChartSections } from '../charts/chart-sections'
import type { ChartView } from '../charts/chart-view'
import { sectionsOf } from '../charts/metric-keys'
import { XAxisSelect } from '../charts/x-axis-select'

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
        <XAxisSelect
          value={view.xAxis}
          keys={keys.state === 'ready' ? keys.data.map((k) => k.key) : []}
          onChange={(xAxis) => onView({ ...view, xAxis })}
        />
        {zoomed && (
          <button type="button" onClick={() => onView({ ...view, xmin: undefined, xmax: undefined }, true)}>
            Reset zoom (steps {view.xmin}–{view.xmax})
          </button>
        )}
        <span className="muted">Drag across a chart to zoom, double-click to zoom out.</span>
      </div>
      <ChartSections
        keys={keys}
        what="the run's metric keys"
        sections={sections}
        runsOf={() => [run]}
        view={view}
        onView={onView}
        heading="h3"
      />
    </section>
  )
}
