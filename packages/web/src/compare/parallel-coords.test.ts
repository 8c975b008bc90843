import type { RunJson } from '@tally/sdk/api'
import { describe, expect, it } from 'vitest'
import { brushedRuns, layoutParallel, MISSING_COLOR, niceTicks, pickMetric, rampColor, scaleFor } from './parallel-coords'

const run = (id: string, config: RunJson['config'], summary: RunJson['summary'] = {}): RunJson =>
  ({ id, name: `run-${id}`, config, summary }) as RunJson

describe('an axis scale', () => {
  it('is linear for numbers, with round ticks inside the range', () => {
    const s = scaleFor([0, 0.05, 0.1])
    expect(s.kind).toBe('linear')
    expect(s.pos(0)).toBe(0)
    expect(s.pos(0.05)).toBeCloseTo(0.5)
    expect(s.pos(0.1)).toBe(1)
    expect(s.ticks.map((t) => t.label)).toEqual(['0', '0.02', '0.04', '0.06', '0.08', '0.1'])
  })

  it('is log for positive numbers spanning more than two decades, ticked at powers of ten', () => {
    const s = scaleFor([1e-4, 1e-3, 5e-2])
    expect(s.kind).toBe('log')
    expect(s.pos(1e-4)).toBe(0)
    expect(s.pos(5e-2)).toBeCloseTo(1)
    expect(s.pos(1e-3)).toBeCloseTo(1 / Math.log10(500))
    expect(s.ticks.map((t) => t.label)).toEqual(['1e-4', '0.001', '0.01'])
    // Two decades exactly, or a zero, stay linear.
    expect(scaleFor([1e-3, 1e-1]).kind).toBe('linear')
    expect(scaleFor([0, 1e-4, 1]).kind).toBe('linear')
  })

  it('is categorical for strings and booleans, evenly spaced and sorted', () => {
    const s = scaleFor(['sgd', 'adam', 'adamw', 'adam'])
    expect(s.kind).toBe('category')
    expect(s.ticks).toEqual([
      { pos: 0, label: 'adam' },
      { pos: 0.5, label: 'adamw' },
      { pos: 1, label: 'sgd' },
    ])
    expect(s.pos('adamw')).toBe(0.5)
    expect(scaleFor([true, false]).ticks.map((t) => t.label)).toEqual(['false', 'true'])
    expect(scaleFor([1, 'big']).kind).toBe('category')
  })

  it('cannot place missing values, nor NaN or Infinity on a numeric axis', () => {
    const s = scaleFor([1, 'NaN', undefined, 3, 'Infinity'])
    expect(s.kind).toBe('linear')
    expect(s.pos(undefined)).toBeUndefined()
    expect(s.pos('NaN')).toBeUndefined()
    expect(s.pos('Infinity')).toBeUndefined()
    expect(s.pos(3)).toBe(1)
    // All NaN: nothing numeric to place, so NaN is a category of its own.
    expect(scaleFor(['NaN', 'NaN']).ticks).toEqual([{ pos: 0.5, label: 'NaN' }])
  })

  it('puts a single value mid-axis', () => {
    expect(scaleFor([0.3, 0.3]).pos(0.3)).toBe(0.5)
    expect(scaleFor(['adam']).pos('adam')).toBe(0.5)
  })

  it('ticks round numbers without float noise', () => {
    expect(niceTicks(0.1, 0.35)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35])
    expect(niceTicks(64, 512)).toEqual([100, 200, 300, 400, 500])
  })
})

describe('the parallel-coordinates layout', () => {
  const runs = [
    run('a', { lr: 1e-3, optimizer: 'adam', wd: 0 }, { 'val/loss': 0.2, acc: 0.9 }),
    run('b', { lr: 1e-2, optimizer: 'sgd', wd: 0.1 }, { 'val/loss': 0.4, acc: 0.8 }),
    run('c', { lr: 1e-1, optimizer: 'sgd' }, { 'val/loss': 'NaN' }),
  ]

  it('has an axis per config key and the metric last, and a line per run through them', () => {
    const l = layoutParallel(runs, ['config.lr', 'config.optimizer', 'config.wd'], 'summary.val/loss')
    expect(l.axes.map((a) => [a.label, a.kind, a.hasMissing])).toEqual([
      ['lr', 'linear', false],
      ['optimizer', 'category', false],
      ['wd', 'linear', true],
      ['val/loss', 'linear', true],
    ])
    expect(l.axes.map((a) => a.x)).toEqual([70, 220, 370, 520])
    expect(l.width).toBe(590)
    const [a, b, c] = l.lines
    expect(a?.points.map((p) => p.y)).toEqual([l.bottom, l.bottom, l.bottom, l.bottom])
    expect(b?.points.map((p) => p.y)).toEqual([
      expect.closeTo(l.bottom - ((1e-2 - 1e-3) / (1e-1 - 1e-3)) * (l.bottom - l.top)),
      l.top,
      l.top,
      l.top,
    ])
    // c has no weight decay and a NaN loss: both at the "missing" tick.
    expect(c?.points.map((p) => p.y).slice(2)).toEqual([l.missingY, l.missingY])
    expect(c?.values).toEqual([1e-1, 'sgd', undefined, 'NaN'])
  })

  it('colours lines by the metric on a two-colour ramp, grey where a run has none', () => {
    const l = layoutParallel(runs, ['config.lr'], 'summary.val/loss')
    expect(l.metricRange).toEqual({ min: 0.2, max: 0.4 })
    expect(l.lines.map((x) => x.color)).toEqual([rampColor(0), rampColor(1), MISSING_COLOR])
    expect(rampColor(0)).toBe('rgb(47 111 223)')
    expect(rampColor(2)).toBe(rampColor(1))
  })

  it('chooses log for learning rates spanning decades', () => {
    const l = layoutParallel([run('a', { lr: 1e-5 }), run('b', { lr: 1e-2 })], ['config.lr'], undefined)
    expect(l.axes[0]?.kind).toBe('log')
    expect(l.axes[0]?.ticks.map((t) => t.label)).toEqual(['1e-5', '1e-4', '0.001', '0.01'])
    expect(l.metricRange).toBeUndefined()
    expect(l.lines.map((x) => x.color)).toEqual([MISSING_COLOR, MISSING_COLOR])
  })

  it('keeps the runs inside every brushed range, the missing tick included where brushed', () => {
    const l = layoutParallel(runs, ['config.optimizer', 'config.wd'], 'summary.val/loss')
    expect(brushedRuns(l, new Map())).toBeUndefined()
    const sgd = { y0: l.top - 5, y1: l.top + 5 }
    expect(brushedRuns(l, new Map([['config.optimizer', sgd]]))).toEqual(new Set(['b', 'c']))
    // Drawn upwards or downwards, the same range.
    expect(brushedRuns(l, new Map([['config.optimizer', { y0: sgd.y1, y1: sgd.y0 }]]))).toEqual(new Set(['b', 'c']))
    const missing = { y0: l.missingY - 3, y1: l.missingY + 3 }
    expect(
      brushedRuns(
        l,
        new Map([
          ['config.optimizer', sgd],
          ['summary.val/loss', missing],
        ]),
      ),
    ).toEqual(new Set(['c']))
    expect(brushedRuns(l, new Map([['config.wd', { y0: l.top + 1, y1: l.top + 2 }]]))).toEqual(new Set())
  })

  it('centres a lone axis', () => {
    const l = layoutParallel(runs, [], 'summary.acc')
    expect(l.axes.map((a) => a.x)).toEqual([l.width / 2])
  })
})

describe('the metric chosen', () => {
  it('is the one asked for when the runs have it, else the first loss, else the first', () => {
    const keys = ['acc', 'train/loss', 'val/loss']
    expect(pickMetric(keys, 'val/loss')).toBe('val/loss')
    expect(pickMetric(keys, 'nope')).toBe('train/loss')
    expect(pickMetric(keys, null)).toBe('train/loss')
    expect(pickMetric(['acc', 'f1'], null)).toBe('acc')
    expect(pickMetric([], null)).toBeUndefined()
  })
})
