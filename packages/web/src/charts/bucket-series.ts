/**
 * From the API's bucket answers to what uPlot draws. A chart asks for about one bucket per
 * pixel, so a bucket's last value is the line and its min and max a band: a spike inside a
 * bucket still shows. Empty buckets are absent from the answer, so a metric logged every
 * 100 steps comes back as single points, drawn joined by the line, never as a block.
 */
import type { JsonNumber, SeriesBucketsJson } from '@tally/sdk/api'

/** A number from the API: "NaN", "Infinity" and "-Infinity" arrive as strings. */
export function numberOf(v: JsonNumber): number {
  if (typeof v === 'number') return v
  return v === 'Infinity' ? Number.POSITIVE_INFINITY : v === '-Infinity' ? Number.NEGATIVE_INFINITY : Number.NaN
}

/** The buckets to ask for to fill `pixels` of chart width: one a pixel, within the API's 1–100,000. */
export function bucketsFor(pixels: number): number {
  if (!Number.isFinite(pixels)) return 1
  return Math.min(100_000, Math.max(1, Math.round(pixels)))
}

/**
 * One run's series for one chart: at each bucket's last step, the value there (`line`), and
 * the bucket's `lo`/`hi` (min and max; equal to the value where the bucket holds one
 * point). A NaN is a gap: null, which uPlot leaves undrawn. ±Infinity cannot be drawn
 * either, so it is a gap too.
 */
export interface RunSeries {
  x: number[]
  line: (number | null)[]
  lo: (number | null)[]
  hi: (number | null)[]
  /** Wall time (ms since the epoch) of the point at each x. */
  time: number[]
  /** Points the buckets hold, all together. */
  points: number
  /** Bucket width in steps (1: raw points), for joining with another metric read alike. */
  width: number
}

const drawable = (v: number): number | null => (Number.isFinite(v) ? v : null)

export function bucketSeries(answer: SeriesBucketsJson): RunSeries {
  const b = answer.buckets
  const n = b.last.length
  const out: RunSeries = {
    x: new Array(n),
    line: new Array(n),
    lo: new Array(n),
    hi: new Array(n),
    time: [...b.time],
    points: 0,
    width: answer.width,
  }
  for (let i = 0; i < n; i++) {
    out.x[i] = b.last[i] as number
    const value = drawable(numberOf(b.value[i] as JsonNumber))
    const count = b.count[i] as number
    out.line[i] = value
    out.lo[i] = count > 1 ? drawable(numberOf(b.min[i] as JsonNumber)) : value
    out.hi[i] = count > 1 ? drawable(numberOf(b.max[i] as JsonNumber)) : value
    out.points += count
  }
  return out
}

/** For a log y axis: values at or below zero have no place on it, so they become gaps. */
export function forLogScale(ys: readonly (number | null | undefined)[]): (number | null | undefined)[] {
  return ys.map((y) => (typeof y === 'number' && y <= 0 ? null : y))
}
