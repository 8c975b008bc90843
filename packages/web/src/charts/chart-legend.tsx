import { formatValue } from '../format'
import { runColor } from '../runs/run-color'
import { nearestPoint, type Ys } from './align'
import type { ChartData } from './chart-data'
import { formatX, type XAxis } from './x-axis'

/**
 * Every run's value at the hovered x (its nearest point where it has none there), else its
 * last value, with the x in the chosen unit and, off the step axis, the step of the point.
 */
export function ChartLegend({ chart, hover, xAxis }: { chart: ChartData; hover: number | null; xAxis: XAxis }) {
  const xs = chart.data[0]
  const idx = hover ?? xs.length - 1
  const x = xs[idx]
  const onStep = xAxis === 'step'
  return (
    <div className="chart-legend" data-x={hover === null ? undefined : x} data-step={hover === null || !onStep ? undefined : x}>
      <span className="muted">{hover === null || x === undefined ? 'last' : formatX(xAxis, x)}</span>
      <ul>
        {chart.columns.map((c) => {
          const ys = chart.data[c.line] as Ys
          const at = idx < 0 ? undefined : nearestPoint(xs, ys, idx)
          const value = at === undefined ? undefined : ys[at]
          const raw = at === undefined || c.raw === undefined ? undefined : (chart.data[c.raw] as Ys)[at]
          const step = at === undefined ? undefined : c.steps[at]
          const pointX = at === undefined ? undefined : xs[at]
          return (
            <li
              key={c.run.id}
              data-run-id={c.run.id}
              data-step={step ?? ''}
              data-x={pointX ?? ''}
              data-value={value === undefined ? '' : String(value)}
              data-points={c.run.series.points}
            >
              <span className="swatch" style={{ background: runColor(c.run.id) }} aria-hidden="true" />
              <span className="legend-name">{c.run.name}</span>{' '}
              <span className="legend-value">{value === undefined ? '–' : formatValue(value)}</span>
              {raw !== undefined && raw !== value && <span className="muted"> (raw {formatValue(raw)})</span>}
              {pointX !== undefined && pointX !== x && <span className="muted"> @ {onStep ? pointX : formatX(xAxis, pointX)}</span>}
              {!onStep && step != null && <span className="muted"> (step {step})</span>}
            </li>
          )
        })}
      </ul>
    </div>
  )
}
