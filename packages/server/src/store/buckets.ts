/**
 * Downsampling of a series into buckets of a power-of-two width, shared by every backend
 * and by the dashboard (for the width rule). Bucket b covers steps [b*w, (b+1)*w - 1], so
 * boundaries never move as points arrive and a re-read gives the same buckets. Pure.
 */
import { grown } from './chunks.js'
import type { SeriesBuckets } from './store.js'

export const MAX_BUCKETS = 100_000

export type Buckets = SeriesBuckets['buckets']

/**
 * The bucket width for at most `buckets` buckets over steps [from, to]: the smallest power
 * of two w whose aligned buckets, floor(from / w) through floor(to / w), number no more than
 * `buckets`. Alignment can cost one bucket over ceil(span / w), so the count is taken on the
 * aligned boundaries themselves.
 *
 * @example bucketWidth(0, 999_999, 1000) // 1024
 */
export function bucketWidth(from: number, to: number, buckets: number): number {
  let w = 1
  while (bucketCount(from, to, w) > buckets) w *= 2
  return w
}

/** How many aligned buckets of width `w` steps [from, to] touch. */
export function bucketCount(from: number, to: number, w: number): number {
  return Math.floor(to / w) - Math.floor(from / w) + 1
}

/**
 * Accumulates points, given in increasing step order, into buckets of one width. Whole
 * blocks that fall inside one bucket (a stored chunk with its stats) can be added without
 * their points, which is how a long series is downsampled without decoding most of it.
 */
export class BucketBuilder {
  readonly width: number
  private size = 0
  private current = Number.NaN
  private first: Float64Array
  private last: Float64Array
  private min: Float64Array
  private max: Float64Array
  private value: Float64Array
  private time: Float64Array
  private count: Float64Array

  /** `capacity` is a hint: the most buckets expected. */
  constructor(width: number, capacity = 64) {
    this.width = width
    const n = Math.max(1, capacity)
    this.first = new Float64Array(n)
    this.last = new Float64Array(n)
    this.min = new Float64Array(n)
    this.max = new Float64Array(n)
    this.value = new Float64Array(n)
    this.time = new Float64Array(n)
    this.count = new Float64Array(n)
  }

  private open(bucket: number, step: number): number {
    if (this.size === this.first.length) this.grow()
    const k = this.size++
    this.current = bucket
    this.first[k] = step
    this.min[k] = Number.NaN
    this.max[k] = Number.NaN
    this.count[k] = 0
    return k
  }

  private grow(): void {
    const n = this.first.length * 2
    this.first = grown(this.first, n)
    this.last = grown(this.last, n)
    this.min = grown(this.min, n)
    this.max = grown(this.max, n)
    this.value = grown(this.value, n)
    this.time = grown(this.time, n)
    this.count = grown(this.count, n)
  }

  /** Add points [start, end); their steps must be increasing and above every step added before. */
  addPoints(steps: Float64Array, values: Float64Array, times: Float64Array, start: number, end: number): void {
    if (start >= end) return
    const w = this.width
    let k = this.size - 1
    // Steps only grow, so a new bucket begins exactly when a step reaches the current one's end.
    let bucketEnd = k >= 0 ? (this.current + 1) * w : Number.NEGATIVE_INFINITY
    let min = k >= 0 ? (this.min[k] as number) : Number.NaN
    let max = k >= 0 ? (this.max[k] as number) : Number.NaN
    let count = k >= 0 ? (this.count[k] as number) : 0
    for (let i = start; i < end; i++) {
      const s = steps[i] as number
      const v = values[i] as number
      if (s >= bucketEnd) {
        if (k >= 0) {
          this.min[k] = min
          this.max[k] = max
          this.count[k] = count
          // At i === start the bucket was closed by an earlier call, which set these.
          if (i > start) {
            this.last[k] = steps[i - 1] as number
            this.value[k] = values[i - 1] as number
            this.time[k] = times[i - 1] as number
          }
        }
        const b = Math.floor(s / w)
        k = this.open(b, s)
        bucketEnd = (b + 1) * w
        min = Number.NaN
        max = Number.NaN
        count = 0
      }
      count++
      // A NaN min or max fails every comparison, so the first non-NaN value replaces it.
      if (!Number.isNaN(v)) {
        if (!(v >= min)) min = v
        if (!(v <= max)) max = v
      }
    }
    this.min[k] = min
    this.max[k] = max
    this.count[k] = count
    this.last[k] = steps[end - 1] as number
    this.value[k] = values[end - 1] as number
    this.time[k] = times[end - 1] as number
  }

  /**
   * Add a block of `count` points whose steps all lie in one bucket, by its stats: first and
   * last step, min and max ignoring NaN (NaN when all are NaN), and the value and wall time
   * at the last step.
   */
  addBlock(first: number, last: number, count: number, min: number, max: number, lastValue: number, lastTime: number): void {
    const b = Math.floor(first / this.width)
    const k = b === this.current && this.size > 0 ? this.size - 1 : this.open(b, first)
    this.last[k] = last
    this.value[k] = lastValue
    this.time[k] = lastTime
    this.count[k] = (this.count[k] as number) + count
    if (!Number.isNaN(min) && !(min >= (this.min[k] as number))) this.min[k] = min
    if (!Number.isNaN(max) && !(max <= (this.max[k] as number))) this.max[k] = max
  }

  /** Whether a block from `first` to `last` lies inside one bucket, so addBlock may take it. */
  sameBucket(first: number, last: number): boolean {
    return Math.floor(first / this.width) === Math.floor(last / this.width)
  }

  finish(): Buckets {
    const n = this.size
    return {
      first: this.first.slice(0, n),
      last: this.last.slice(0, n),
      min: this.min.slice(0, n),
      max: this.max.slice(0, n),
      value: this.value.slice(0, n),
      time: this.time.slice(0, n),
      count: this.count.slice(0, n),
    }
  }
}

/** Index of the first step >= target in sorted steps[start, end). */
export function lowerBound(steps: Float64Array, target: number, start = 0, end = steps.length): number {
  let lo = start
  let hi = end
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((steps[mid] as number) < target) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Downsample points held in memory (sorted, unique steps) over [from, to] into at most
 * about `buckets` buckets; the in-memory twin of `Store.readBuckets`.
 */
export function downsample(
  steps: Float64Array,
  values: Float64Array,
  times: Float64Array,
  buckets: number,
  from = steps[0] ?? 0,
  to = steps[steps.length - 1] ?? 0,
): { width: number; buckets: Buckets } {
  const width = bucketWidth(from, Math.max(from, to), buckets)
  const start = lowerBound(steps, from)
  const end = lowerBound(steps, to + 1, start)
  const builder = new BucketBuilder(width, Math.min(end - start, bucketCount(from, Math.max(from, to), width)))
  builder.addPoints(steps, values, times, start, end)
  return { width, buckets: builder.finish() }
}
