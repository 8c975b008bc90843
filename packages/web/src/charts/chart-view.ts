/**
 * What the chart grid shows, from the URL, under Trackio's embedding parameter names:
 * `smoothing` (0 to 0.999), `xmin` and `xmax` (the step range zoomed into), `metrics` (the
 * metric search). `yscale=log` draws every y axis logarithmic.
 */
import { parseSmoothing } from './smoothing'

export interface ChartView {
  smoothing: number
  /** Both set, xmin < xmax, or neither. */
  xmin?: number
  xmax?: number
  metrics: string
  log: boolean
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
    ...range,
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
  }
}

/** The inclusive step range to ask the API for: every step the zoomed x range touches. */
export function stepRange(view: ChartView): { from?: number; to?: number } {
  if (view.xmin === undefined || view.xmax === undefined) return {}
  return { from: Math.max(0, Math.floor(view.xmin)), to: Math.max(0, Math.ceil(view.xmax)) }
}
