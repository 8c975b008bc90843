import { describe, expect, it } from 'vitest'
import { BucketBuilder, bucketCount, bucketWidth, downsample } from './buckets.js'
import { bruteBuckets, bucketRows } from './test-records.js'

/** Wall times that are not a multiple of steps, as a real run's are. */
const timeOf = (step: number): number => 1_700_000_000_000 + step * 7 + (step % 5)
const times = (steps: number[]): Float64Array => Float64Array.from(steps, timeOf)

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x / 2147483648
  }
}

describe('bucketWidth', () => {
  it('is the smallest power of two that fits the span into the bucket count', () => {
    expect(bucketWidth(0, 999_999, 1000)).toBe(1024)
    expect(bucketWidth(0, 999, 1000)).toBe(1)
    expect(bucketWidth(0, 1000, 1000)).toBe(2)
    expect(bucketWidth(0, 0, 1)).toBe(1)
    expect(bucketWidth(0, 2, 1)).toBe(4)
    expect(bucketWidth(0, 2 ** 53 - 1, 1)).toBe(2 ** 53)
    expect(bucketWidth(0, 2 ** 53 - 1, 100_000)).toBe(2 ** 37)
  })

  it('never gives more aligned buckets than asked for, wherever the range starts', () => {
    // [1000, 2023] spans 1024 steps, but with width 1024 it touches buckets 0 and 1.
    expect(bucketWidth(1000, 2023, 1)).toBe(2048)
    expect(bucketWidth(3, 4, 1)).toBe(8)
    for (let from = 0; from < 300; from += 7) {
      for (const buckets of [1, 2, 3, 10, 64]) {
        for (const span of [1, 2, 5, 63, 64, 65, 1000]) {
          const to = from + span - 1
          const w = bucketWidth(from, to, buckets)
          expect(bucketCount(from, to, w)).toBeLessThanOrEqual(buckets)
          if (w > 1) expect(bucketCount(from, to, w / 2)).toBeGreaterThan(buckets)
        }
      }
    }
  })
})

describe('downsample', () => {
  it('matches a brute-force computation on gappy data with NaN and infinities', () => {
    const next = rng(7)
    const steps: number[] = []
    const values: number[] = []
    let s = 3
    for (let i = 0; i < 20_000; i++) {
      s += 1 + Math.floor(next() * (next() < 0.01 ? 5000 : 4))
      steps.push(s)
      const r = next()
      values.push(r < 0.02 ? Number.NaN : r < 0.03 ? Number.POSITIVE_INFINITY : r < 0.04 ? Number.NEGATIVE_INFINITY : r * 100 - 50)
    }
    const S = Float64Array.from(steps)
    const V = Float64Array.from(values)
    const T = Float64Array.from(steps, timeOf)
    for (const [buckets, from, to] of [
      [1000, steps[0], steps.at(-1)],
      [37, steps[0], steps.at(-1)],
      [500, 12_345, 20_000],
      [1, 0, 2 ** 40],
      [100_000, 100, 3000],
    ] as [number, number, number][]) {
      const got = downsample(S, V, T, buckets, from, to)
      expect(got.width).toBe(bucketWidth(from, to, buckets))
      expect(got.buckets.count.length).toBeLessThanOrEqual(buckets)
      expect(bucketRows(got.buckets)).toEqual(bruteBuckets(steps, values, got.width, from, to))
      expect(Array.from(got.buckets.time)).toEqual(Array.from(got.buckets.last, timeOf))
    }
  })

  it('leaves empty buckets out and aligns buckets to multiples of the width', () => {
    const got = downsample(Float64Array.from([0, 1, 2, 9, 10, 63]), Float64Array.from([1, 2, 3, 4, 5, 6]), times([0, 1, 2, 9, 10, 63]), 8)
    expect(got.width).toBe(8)
    expect(bucketRows(got.buckets)).toEqual([
      { first: 0, last: 2, min: 1, max: 3, value: 3, count: 3 },
      { first: 9, last: 10, min: 4, max: 5, value: 5, count: 2 },
      { first: 63, last: 63, min: 6, max: 6, value: 6, count: 1 },
    ])
  })

  it('gives NaN min and max for a bucket of only NaN, and lets infinities take part', () => {
    const got = downsample(
      Float64Array.from([0, 1, 2, 3]),
      Float64Array.from([Number.NaN, Number.NaN, Number.NEGATIVE_INFINITY, 1]),
      times([0, 1, 2, 3]),
      2,
      0,
      3,
    )
    const rows = bucketRows(got.buckets)
    expect(rows[0]?.min).toBeNaN()
    expect(rows[0]?.max).toBeNaN()
    expect(rows[0]?.value).toBeNaN()
    expect(rows[1]).toEqual({ first: 2, last: 3, min: Number.NEGATIVE_INFINITY, max: 1, value: 1, count: 2 })
  })

  it('works with steps near 2^53', () => {
    const top = 2 ** 53 - 1
    const got = downsample(Float64Array.from([top - 3, top - 1, top]), Float64Array.from([1, 5, 2]), times([1, 2, 3]), 2, top - 3, top)
    expect(bucketRows(got.buckets)).toEqual(bruteBuckets([top - 3, top - 1, top], [1, 5, 2], got.width, top - 3, top))
  })
})

describe('BucketBuilder', () => {
  it('gives the same buckets from block stats as from the points themselves', () => {
    const next = rng(11)
    const n = 5000
    const steps = Float64Array.from({ length: n }, (_, i) => i * 2)
    const values = Float64Array.from({ length: n }, () => (next() < 0.05 ? Number.NaN : next()))
    const times = Float64Array.from(steps, timeOf)
    const w = 64
    const expected = bruteBuckets(steps, values, w, 0, steps[n - 1] as number)
    // Feed blocks of varying size; those inside one bucket go in as stats.
    const builder = new BucketBuilder(w, 4)
    let a = 0
    while (a < n) {
      const b = Math.min(n, a + 1 + Math.floor(next() * 40))
      const first = steps[a] as number
      const last = steps[b - 1] as number
      if (builder.sameBucket(first, last)) {
        const block = bruteBuckets(steps.subarray(a, b), values.subarray(a, b), w, first, last)[0]
        if (block === undefined) throw new Error('empty block')
        builder.addBlock(first, last, b - a, block.min, block.max, block.value, times[b - 1] as number)
      } else {
        builder.addPoints(steps, values, times, a, b)
      }
      a = b
    }
    const got = builder.finish()
    expect(bucketRows(got)).toEqual(expected)
    expect(Array.from(got.time)).toEqual(Array.from(got.last, timeOf))
  })
})
