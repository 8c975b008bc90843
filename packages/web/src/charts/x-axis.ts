/**
 * What a chart draws its points against, Trackio's `x_axis`: the step (the default), wall
 * time (`wall`), seconds since the run began (`relative`; Trackio's `time` means this too),
 * or another metric of the same run. Series are read
 * and held by step (buckets, live appends and zoom all work in steps); this module maps a
 * run's held series onto the chosen x just before drawing.
 *
 * A metric key spelled `step`, `time`, `wall` or `relative` cannot be chosen as x: the names are
 * taken by the built-in modes, as in Trackio.
 */
import type { RunSeries } from './bucket-series'

export type XAxis = 'step' | 'wall' | 'relative' | { metric: string }

/** `x_axis` from the URL: missing or empty is the step. */
export function parseXAxis(text: string | null): XAxis {
  if (text === null || text === '' || text === 'step') return 'step'
  if (text === 'wall' || text === 'relative') return text
  // Trackio's x_axis=time is seconds since the first point: our relative time.
  if (text === 'time') return 'relative'
  return { metric: text }
}

/** The `x_axis` URL value, undefined for the default (step). */
export function xAxisParam(x: XAxis): string | undefined {
  return x === 'step' ? undefined : typeof x === 'string' ? x : x.metric
}

/** The x metric's key, if x is a metric. */
export const xMetric = (x: XAxis): string | undefined => (typeof x === 'string' ? undefined : x.metric)

/** A run's series on the chosen x: x ascending, and each point's step beside it. */
export interface XSeries extends RunSeries {
  step: number[]
}

/**
 * `series` (x = step) with x in seconds since the epoch (`time`, what uPlot's time scale
 * reads) or since `start` ms (`relative`). Points keep their order: a run's times grow with
 * its steps except after a clock change, and those are put in time order.
 */
export function byTime(series: RunSeries, mode: 'wall' | 'relative', start: number): XSeries {
  const origin = mode === 'wall' ? 0 : start
  return sortedByX(
    series,
    series.x.map((_, i) => ((series.time[i] as number) - origin) / 1000),
  )
}

/**
 * `series` (x = step) drawn against the metric `by` of the same run (x = step too): each
 * point takes the x metric's value at its step. Both were read over the same range with
 * the same bucket count, so their buckets share boundaries; points are joined by bucket
 * (`width` steps; 1 when raw, which joins exact steps). A point whose bucket has no x value,
 * or an x that is NaN or infinite, is left out: nothing is made up.
 *
 * uPlot needs x ascending, so the joined points are sorted by x (ties by step). For an x
 * metric that grows with the step (epochs, tokens, samples) that is the training order;
 * for one that does not, the line joins points in x order, which is what a plot of y
 * against x means.
 */
export function byMetric(series: RunSeries, by: RunSeries, width: number): XSeries {
  const w = Math.max(1, width)
  const xOf = new Map<number, number>()
  by.x.forEach((step, i) => {
    const v = by.line[i]
    if (typeof v === 'number') xOf.set(Math.floor(step / w), v)
  })
  const keep: number[] = []
  const xs: number[] = []
  series.x.forEach((step, i) => {
    const x = xOf.get(Math.floor(step / w))
    if (x === undefined) return
    keep.push(i)
    xs.push(x)
  })
  const pick = <T>(a: readonly T[]): T[] => keep.map((i) => a[i] as T)
  const joined: RunSeries = {
    x: pick(series.x),
    line: pick(series.line),
    lo: pick(series.lo),
    hi: pick(series.hi),
    time: pick(series.time),
    points: series.points,
    width: series.width,
  }
  return sortedByX(joined, xs)
}

/** `series` with `xs` as its x, its steps kept in `step`, all sorted by x then step. */
function sortedByX(series: RunSeries, xs: number[]): XSeries {
  const order = xs.map((_, i) => i)
  let sorted = true
  for (let i = 1; i < xs.length && sorted; i++) sorted = (xs[i - 1] as number) <= (xs[i] as number)
  if (!sorted) order.sort((a, b) => (xs[a] as number) - (xs[b] as number) || (series.x[a] as number) - (series.x[b] as number))
  const pick = <T>(a: readonly T[]): T[] => (sorted ? [...a] : order.map((i) => a[i] as T))
  return {
    x: apart(pick(xs)),
    step: pick(series.x),
    line: pick(series.line),
    lo: pick(series.lo),
    hi: pick(series.hi),
    time: pick(series.time),
    points: series.points,
    width: series.width,
  }
}

/**
 * Ascending `xs` made strictly ascending: points that share an x (every step of one epoch,
 * two points logged in one millisecond) would share a slot in the chart's aligned columns,
 * and all but one would vanish. Each repeat moves up by a few units in the last place, so
 * they draw at the same pixel, one above another, and every point stays.
 */
function apart(xs: number[]): number[] {
  for (let i = 1; i < xs.length; i++) {
    const before = xs[i - 1] as number
    if ((xs[i] as number) <= before) xs[i] = before + Math.max(Math.abs(before), 1) * 2 ** -50
  }
  return xs
}

/** A step series as an XSeries (x is the step). */
export function byStep(series: RunSeries): XSeries {
  return { ...series, step: series.x }
}

/**
 * The step range whose points fall in [lo, hi] of x, over every run: what a drag on a chart
 * drawn against time or another metric selects, to be read again at full resolution.
 */
export function stepsWithin(runs: readonly XSeries[], lo: number, hi: number): { xmin: number; xmax: number } | undefined {
  let xmin = Number.POSITIVE_INFINITY
  let xmax = Number.NEGATIVE_INFINITY
  for (const s of runs) {
    s.x.forEach((x, i) => {
      if (x < lo || x > hi) return
      const step = s.step[i] as number
      if (step < xmin) xmin = step
      if (step > xmax) xmax = step
    })
  }
  if (xmin > xmax) return undefined
  // A range of one step is widened so xmin < xmax, as the URL's range must be.
  return { xmin, xmax: xmax > xmin ? xmax : xmin + 1 }
}

/** The x of the hover legend in the chosen unit. */
export function formatX(x: XAxis, value: number): string {
  if (x === 'step') return `step ${value}`
  if (x === 'wall') return formatClock(value * 1000)
  if (x === 'relative') return `${formatSeconds(value)} in`
  return `${x.metric} ${Number(value.toPrecision(6))}`
}

/** `2025-11-25 19:40:07`, in the reader's time zone. */
export function formatClock(ms: number): string {
  const d = new Date(ms)
  if (Number.isNaN(d.getTime())) return '–'
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/** `42.5s`, `3m 07s`, `2h 05m 09s`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '–'
  const sign = s < 0 ? '-' : ''
  const a = Math.abs(s)
  if (a < 60) return `${sign}${Number(a.toFixed(a < 10 ? 2 : 1))}s`
  const whole = Math.round(a)
  const p = (n: number): string => String(n).padStart(2, '0')
  const m = Math.floor(whole / 60)
  if (m < 60) return `${sign}${m}m ${p(whole % 60)}s`
  return `${sign}${Math.floor(m / 60)}h ${p(m % 60)}m ${p(whole % 60)}s`
}
