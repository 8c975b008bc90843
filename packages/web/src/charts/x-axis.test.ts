import { describe, expect, it } from 'vitest'
import type { RunSeries } from './bucket-series'
import { byMetric, byStep, byTime, formatSeconds, formatX, parseXAxis, stepsWithin, xAxisParam } from './x-axis'

const T0 = 1_700_000_000_000
/** Raw points (width 1) at `steps`, value = f(step), 100 ms a step. */
const series = (steps: number[], f: (s: number) => number | null, width = 1): RunSeries => {
  const line = steps.map(f)
  return { x: steps, line, lo: line, hi: line, time: steps.map((s) => T0 + 100 * s), points: steps.length, width }
}
const range = (a: number, b: number, by = 1): number[] => Array.from({ length: Math.ceil((b - a) / by) }, (_, i) => a + i * by)

describe('parseXAxis', () => {
  it('reads the modes and metric keys, and writes the step as no parameter', () => {
    expect(parseXAxis(null)).toBe('step')
    expect(parseXAxis('wall')).toBe('wall')
    // Trackio's time is seconds since the start.
    expect(parseXAxis('time')).toBe('relative')
    expect(parseXAxis('train/epoch')).toEqual({ metric: 'train/epoch' })
    expect(xAxisParam('step')).toBeUndefined()
    expect(xAxisParam('relative')).toBe('relative')
    expect(xAxisParam({ metric: 'train/epoch' })).toBe('train/epoch')
  })
})

describe('byTime', () => {
  it('puts points at their wall time in seconds, or seconds since the run began', () => {
    const s = series([0, 10, 20], (x) => x / 10)
    expect(byTime(s, 'wall', 0).x).toEqual([T0 / 1000, T0 / 1000 + 1, T0 / 1000 + 2])
    const rel = byTime(s, 'relative', T0 - 500)
    expect(rel.x).toEqual([0.5, 1.5, 2.5])
    expect(rel.step).toEqual([0, 10, 20])
    expect(rel.line).toEqual([0, 1, 2])
  })

  it('sorts points whose clock went back, keeping each with its step', () => {
    const s = { ...series([0, 1, 2], (x) => x), time: [T0 + 2000, T0, T0 + 1000] }
    const out = byTime(s, 'wall', 0)
    expect(out.x).toEqual([T0 / 1000, T0 / 1000 + 1, T0 / 1000 + 2])
    expect(out.step).toEqual([1, 2, 0])
    expect(out.line).toEqual([1, 2, 0])
  })
})

describe('byMetric', () => {
  it('joins by exact step when raw, leaving out steps the x metric lacks', () => {
    const loss = series([0, 1, 2, 3, 4], (s) => 10 - s)
    // Step 2 missing from the x metric.
    const epoch = series([0, 1, 3, 4], (s) => s / 4)
    const out = byMetric(loss, epoch, 1)
    expect(out.x).toEqual([0, 0.25, 0.75, 1])
    expect(out.step).toEqual([0, 1, 3, 4])
    expect(out.line).toEqual([10, 9, 7, 6])
    expect(out.time).toEqual([T0, T0 + 100, T0 + 300, T0 + 400])
  })

  it('keeps every point when several share an x (each step of one epoch), one above another', () => {
    const loss = series([1, 2, 3, 4, 5, 6], (s) => 10 - s)
    const epoch = series([1, 2, 3, 4, 5, 6], (s) => (s <= 3 ? 0 : 1))
    const out = byMetric(loss, epoch, 1)
    expect(out.line).toEqual([9, 8, 7, 6, 5, 4])
    expect(out.step).toEqual([1, 2, 3, 4, 5, 6])
    // Strictly ascending, so no two share a slot in the chart's columns, yet all at their epoch.
    for (let i = 1; i < out.x.length; i++) expect(out.x[i] as number).toBeGreaterThan(out.x[i - 1] as number)
    expect(out.x.map((x) => Math.round(x))).toEqual([0, 0, 0, 1, 1, 1])
  })

  it('draws a sparse metric (every 100 steps) against a dense one, at its own steps only', () => {
    const evalAcc = series(range(99, 1000, 100), (s) => s / 1000)
    const tokens = series(range(0, 1000), (s) => s * 512)
    const out = byMetric(evalAcc, tokens, 1)
    expect(out.step).toEqual(range(99, 1000, 100))
    expect(out.x).toEqual(range(99, 1000, 100).map((s) => s * 512))
    // And the dense one against the sparse one: only the ten steps both logged.
    expect(byMetric(tokens, evalAcc, 1).step).toEqual(range(99, 1000, 100))
  })

  it('joins buckets by bucket when both were read alike (same width, aligned boundaries)', () => {
    // Width 4: y's bucket ending at step 7 meets x's bucket ending at step 6 (both bucket 1).
    const y = series([3, 7, 11], (s) => s, 4)
    const x = series([2, 6], (s) => s * 10, 4)
    const out = byMetric(y, x, 4)
    expect(out.step).toEqual([3, 7])
    expect(out.x).toEqual([20, 60])
  })

  it('sorts by x an x metric that does not grow with the step, and skips NaN x values', () => {
    const y = series([0, 1, 2, 3], (s) => s)
    const x = series([0, 1, 2, 3], (s) => [5, 1, null, 3][s] as number | null)
    const out = byMetric(y, x, 1)
    expect(out.x).toEqual([1, 3, 5])
    expect(out.step).toEqual([1, 3, 0])
    expect(out.line).toEqual([1, 3, 0])
  })
})

describe('stepsWithin', () => {
  it('gives the steps whose points a drag over x selected, over every run', () => {
    const a = byTime(
      series([0, 10, 20, 30], (s) => s),
      'relative',
      T0,
    )
    const b = byTime(
      series([5, 25], (s) => s),
      'relative',
      T0,
    )
    expect(stepsWithin([a, b], 0.9, 2.6)).toEqual({ xmin: 10, xmax: 25 })
    expect(stepsWithin([a], 0.9, 1.1)).toEqual({ xmin: 10, xmax: 11 })
    expect(stepsWithin([a], 100, 200)).toBeUndefined()
    expect(stepsWithin([byStep(series([1, 2], (s) => s))], 0, 5)).toEqual({ xmin: 1, xmax: 2 })
  })
})

describe('formatX', () => {
  it('shows the hovered x in the chosen unit', () => {
    expect(formatX('step', 12)).toBe('step 12')
    expect(formatX({ metric: 'train/epoch' }, 1.23456789)).toBe('train/epoch 1.23457')
    expect(formatX('relative', 125)).toBe('2m 05s in')
    expect(formatX('wall', T0 / 1000)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    expect(formatSeconds(3.256)).toBe('3.26s')
    expect(formatSeconds(7325)).toBe('2h 02m 05s')
  })
})
