import { describe, expect, it } from 'vitest'
import type { RunSeries } from '../charts/bucket-series'
import { appendPoints, needsRebucket, nextRead, rawSeries, type SeriesPointsJson } from './live-series'

const held = (): RunSeries => ({
  x: [0, 4, 9],
  line: [3, 2, 1],
  lo: [2.5, 1.5, 1],
  hi: [3.5, 2.5, 1],
  time: [100, 140, 190],
  points: 10,
  width: 4,
})
const answer = (steps: number[], values: SeriesPointsJson['values'], extra: Partial<SeriesPointsJson> = {}): SeriesPointsJson => ({
  run: 'r',
  key: 'loss',
  steps,
  times: steps.map((s) => 100 + 10 * s),
  values,
  cursor: 'r0s12',
  reset: false,
  ...extra,
})

describe('nextRead', () => {
  it('asks with the cursor of the previous answer', () => {
    expect(nextRead('r0s12', held())).toEqual({ since: 'r0s12' })
  })
  it('before any answer, asks from the step after the last one held, never for the history', () => {
    expect(nextRead(undefined, held())).toEqual({ from: 10 })
  })
  it('asks from step 0 when nothing is held', () => {
    expect(nextRead(undefined, undefined)).toEqual({ from: 0 })
    expect(nextRead(undefined, rawSeries({ steps: [], times: [], values: [] }))).toEqual({ from: 0 })
  })
})

describe('appendPoints', () => {
  it('appends new raw points after the held buckets, one point a bucket', () => {
    const out = appendPoints(held(), answer([10, 11], [0.9, 'NaN']))
    expect(out.x).toEqual([0, 4, 9, 10, 11])
    expect(out.line).toEqual([3, 2, 1, 0.9, null])
    expect(out.lo).toEqual([2.5, 1.5, 1, 0.9, null])
    expect(out.hi).toEqual([3.5, 2.5, 1, 0.9, null])
    expect(out.time).toEqual([100, 140, 190, 200, 210])
    expect(out.points).toBe(12)
  })
  it('drops points at steps already held', () => {
    const out = appendPoints(held(), answer([8, 9, 10], [5, 5, 0.5]))
    expect(out.x).toEqual([0, 4, 9, 10])
    expect(out.line).toEqual([3, 2, 1, 0.5])
    expect(out.points).toBe(11)
  })
  it('returns what it held when nothing is new', () => {
    const h = held()
    expect(appendPoints(h, answer([], []))).toBe(h)
    expect(appendPoints(h, answer([9], [7]))).toBe(h)
  })
  it('replaces everything on reset: the answer is the whole rewritten series', () => {
    const out = appendPoints(held(), answer([0, 1, 2], [1, 'Infinity', 3], { reset: true }))
    expect(out).toEqual({
      x: [0, 1, 2],
      line: [1, null, 3],
      lo: [1, null, 3],
      hi: [1, null, 3],
      time: [100, 110, 120],
      points: 3,
      width: 1,
    })
  })
  it('takes the answer as the series when nothing was held', () => {
    expect(appendPoints(undefined, answer([5], [2])).x).toEqual([5])
  })
  it('leaves the held series untouched', () => {
    const h = held()
    appendPoints(h, answer([10], [1]))
    expect(h.x).toEqual([0, 4, 9])
  })
})

describe('needsRebucket', () => {
  const series = (n: number): RunSeries =>
    rawSeries({ steps: [...Array(n).keys()], times: [...Array(n).keys()], values: new Array(n).fill(1) })
  it('waits until a run holds more than two points a bucket', () => {
    expect(needsRebucket([series(100), series(200)], 100)).toBe(false)
    expect(needsRebucket([series(100), series(201)], 100)).toBe(true)
    expect(needsRebucket([], 100)).toBe(false)
  })
})
