import type { RunJson } from '@tally/sdk/api'
import { useEffect, useState } from 'react'
import { listKeys } from '../api/client'
import { useResource } from '../api/use-resource'
import { ChartSections } from '../charts/chart-sections'
import type { ChartView } from '../charts/chart-view'
import { sectionsOf } from '../charts/metric-keys'
import { XAxisSelect } from '../charts/x-axis-select'
import { useLivePoints } from '../live/live-context'

interface Props {
  run: RunJson
  view: ChartView
  onView: (view: ChartView, push?: boolean) => void
}

/** One small chart per metric key of the run, in sections by key prefix, as on the project page. */
export function RunCharts({ run, view, onView }: Props) {
  const keys = useResource(`keys:${run.id}`, (signal) => listKeys(run.id, signal))
  // Keys the run logs for the first time while the page is open (the stream names them).
  const [added, setAdded] = useState<readonly string[]>([])
  const live = useLivePoints()
  useEffect(
    () =>
      live?.listen((event) => {
        if (event === 'resync' || event.run !== run.id) return
        setAdded((had) => (event.keys.every((k) => had.includes(k)) ? had : [...new Set([...had, ...event.keys])]))
      }),
    [live, run.id],
  )
  const known = keys.state === 'ready' ? [...new Set([...keys.data.map((k) => k.key), ...added])] : []
  const sections = sectionsOf(known, view.metrics)
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
        <XAxisSelect value={view.xAxis} keys={known} onChange={(xAxis) => onView({ ...view, xAxis })} />
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
