import type { SeriesBucketsJson } from '@tally/sdk/api'
import { describe, expect, it } from 'vitest'
import { bucketSeries, bucketsFor, forLogScale } from './bucket-series'

/** Buckets as the API answers them, each bucket's time 10 ms a step. */
const answer = (b: Omit<SeriesBucketsJson['buckets'], 'time'>, width = 4): SeriesBucketsJson => ({
  run: 'r',
  key: 'k',
  width,
  buckets: { ...b, time: b.last.map((s) => 10 * s) },
})

describe('bucketsFor', () => {
  it('asks for one bucket a pixel, within what the API takes', () => {
    expect(bucketsFor(612.4)).toBe(612)
    expect(bucketsFor(0)).toBe(1)
    expect(bucketsFor(Number.NaN)).toBe(1)
    expect(bucketsFor(1e9)).toBe(100_000)
  })
})

describe('bucketSeries', () => {
  it('draws the last value as the line and min/max as the band where a bucket holds several points', () => {
    const s = bucketSeries(answer({ first: [0, 4], last: [3, 7], min: [0.5, 2], max: [9, 2], value: [1, 2], count: [4, 1] }))
    expect(s).toEqual({ x: [3, 7], line: [1, 2], lo: [0.5, 2], hi: [9, 2], time: [30, 70], points: 5, width: 4 })
  })

  it('keeps a metric logged every 100 steps as single points at their own steps, not a block', () => {
    // 1,000 steps in 250 buckets of 4: only ten hold a point, and only those come back.
    const steps = [99, 199, 299, 399, 499, 599, 699, 799, 899, 999]
    const values = steps.map((s) => 1 / s)
    const s = bucketSeries(answer({ first: steps, last: steps, min: values, max: values, value: values, count: steps.map(() => 1) }))
    expect(s.x).toEqual(steps)
    expect(s.line).toEqual(values)
    // No band wider than the point itself.
    expect(s.lo).toEqual(values)
    expect(s.hi).toEqual(values)
  })

  it('turns NaN and infinities, sent as strings, into gaps', () => {
    const s = bucketSeries(
      answer(
        {
          first: [0, 1, 2],
          last: [0, 1, 2],
          min: ['NaN', 'Infinity', 1],
          max: ['NaN', 'Infinity', 1],
          value: ['NaN', 'Infinity', 1],
          count: [1, 1, 1],
        },
        1,
      ),
    )
    expect(s.line).toEqual([null, null, 1])
  })

  it('keeps the band of a bucket whose last value is NaN', () => {
    const s = bucketSeries(answer({ first: [0], last: [3], min: [1], max: [2], value: ['NaN'], count: [4] }))
    expect(s).toMatchObject({ line: [null], lo: [1], hi: [2] })
  })
})

describe('forLogScale', () => {
  it('leaves values a log axis cannot hold out as gaps', () => {
    expect(forLogScale([1, 0, -1, undefined, null, 0.1])).toEqual([1, null, null, undefined, null, 0.1])
  })
})
