/**
 * What the chart grid shows, from the URL, under Trackio's embedding parameter names:
 * `smoothing` (0 to 0.999), `xmin` and `xmax` (the step range zoomed into), `metrics` (the
 * metric search), `x_axis` (`step`, the default; `wall`, wall clock; `relative` (or Trackio's
 * `time`), seconds since the run began; or a metric key: see x-axis.ts). The zoomed range is in steps whatever the
 * x axis, so a link keeps its points when the axis changes. `yscale=log` draws every y axis
 * logarithmic; `full=<metric key>` shows that chart alone, filling the window.
 */
import { parseSmoothing } from './smoothing'
import { parseXAxis, type XAxis, xAxisParam } from './x-axis'

export interface ChartView {
  smoothing: number
  /** Both set, xmin < xmax, or neither. */
  xmin?: number
  xmax?: number
  metrics: string
  log: boolean
  xAxis: XAxis
  /** The metric key of the chart shown full-window. */
  full?: string
}

const num = (text: string | null): number | undefined => {
  if (text === null || text.trim() === '') return undefined
  const v = Number(text)
  return Number.isFinite(v) ? v : undefined
}

export function parseChartView(params: URLSearchParams): ChartView {
  const xmin = num(params.get('xmin'))
  const xmax = num(params.get('xmax'))
  const range = xmin !== undefined && xmax !== undefined && xmin < xmax ? { xmin, xmax } : {}
  return {
    smoothing: parseSmoothing(params.get('smoothing')),
    metrics: params.get('metrics') ?? '',
    log: params.get('yscale') === 'log',
    xAxis: parseXAxis(params.get('x_axis')),
    ...range,
    ...(params.get('full') && { full: params.get('full') as string }),
  }
}

/** The URL parameters of a view, leaving out those at their defaults. */
export function chartViewParams(view: ChartView): Record<string, string | undefined> {
  return {
    metrics: view.metrics || undefined,
    smoothing: view.smoothing > 0 ? String(view.smoothing) : undefined,
    xmin: view.xmin === undefined ? undefined : String(view.xmin),
    xmax: view.xmax === undefined ? undefined : String(view.xmax),
    yscale: view.log ? 'log' : undefined,
    x_axis: xAxisParam(view.xAxis),
    full: view.full || undefined,
  }
}

/** The inclusive step range to ask the API for: every step the zoomed x range touches. */
export function stepRange(view: ChartView): { from?: number; to?: number } {
  if (view.xmin === undefined || view.xmax === undefined) return {}
  // Steps the API takes: 0 to 2^53 - 1 (a hand-edited xmax=1e17 must not fail the read).
  const step = (x: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, x))
  return { from: step(Math.floor(view.xmin)), to: step(Math.ceil(view.xmax)) }
}
