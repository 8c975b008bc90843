/**
 * A chart's runs as one uPlot data table: x, then every run's band (high, low), then, with
 * smoothing on, every run's raw line (drawn faint), then every run's line, so lines are
 * drawn over bands and raw lines whatever the run order.
 */
import { alignColumns, type Ys } from './align'
import { forLogScale } from './bucket-series'
import { smooth } from './smoothing'
import type { XSeries } from './x-axis'

export interface ChartRun {
  id: string
  name: string
  series: XSeries
}

/** Where each run's columns sit in `data` (uPlot series indices; 0 is x). */
export interface RunColumns {
  run: ChartRun
  hi: number
  lo: number
  raw?: number
  line: number
  /** The step of this run's point at each x (undefined where it has none), for the legend; not drawn. */
  steps: Ys
}

export interface ChartData {
  data: [number[], ...Ys[]]
  columns: RunColumns[]
  /** Points behind what is drawn, all runs together. */
  points: number
}

export function chartData(runs: readonly ChartRun[], smoothing: number, log: boolean): ChartData {
  const smoothed = smoothing > 0
  const [xs, ...cols] = alignColumns(
    runs.map((r) => ({
      x: r.series.x,
      ys: [r.series.hi, r.series.lo, r.series.line, smoothed ? smooth(r.series.line, smoothing) : r.series.line, r.series.step],
    })),
  )
  const n = runs.length
  const at = (run: number, k: number): Ys => {
    const ys = cols[run * 5 + k] as Ys
    return log ? forLogScale(ys) : ys
  }
  const data: [number[], ...Ys[]] = [xs]
  const columns: RunColumns[] = runs.map((run, i) => ({ run, hi: 0, lo: 0, line: 0, steps: cols[i * 5 + 4] as Ys }))
  for (let i = 0; i < n; i++) {
    const c = columns[i] as RunColumns
    c.hi = data.push(at(i, 0)) - 1
    c.lo = data.push(at(i, 1)) - 1
  }
  if (smoothed) for (let i = 0; i < n; i++) (columns[i] as RunColumns).raw = data.push(at(i, 2)) - 1
  for (let i = 0; i < n; i++) (columns[i] as RunColumns).line = data.push(at(i, 3)) - 1
  return { data, columns, points: runs.reduce((sum, r) => sum + r.series.points, 0) }
}
