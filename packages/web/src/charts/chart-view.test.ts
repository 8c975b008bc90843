import { describe, expect, it } from 'vitest'
import { chartViewParams, parseChartView, stepRange } from './chart-view'

describe('parseChartView', () => {
  it("reads Trackio's embedding parameters", () => {
    const view = parseChartView(new URLSearchParams('smoothing=0.6&xmin=100&xmax=250.5&metrics=loss&yscale=log'))
    expect(view).toEqual({ smoothing: 0.6, xmin: 100, xmax: 250.5, metrics: 'loss', log: true, xAxis: 'step' })
    expect(stepRange(view)).toEqual({ from: 100, to: 251 })
  })

  it('ignores a range that is half given, reversed or not numbers', () => {
    for (const q of ['xmin=5', 'xmin=9&xmax=3', 'xmin=a&xmax=9']) {
      const view = parseChartView(new URLSearchParams(q))
      expect(view.xmin).toBeUndefined()
      expect(stepRange(view)).toEqual({})
    }
  })

  it('round-trips through the URL, leaving defaults out', () => {
    expect(chartViewParams(parseChartView(new URLSearchParams('')))).toEqual({
      metrics: undefined,
      smoothing: undefined,
      xmin: undefined,
      xmax: undefined,
      yscale: undefined,
      x_axis: undefined,
      full: undefined,
    })
    const view = parseChartView(new URLSearchParams('smoothing=0.9&xmin=1&xmax=2&x_axis=train%2Fepoch&full=loss'))
    expect(view.xAxis).toEqual({ metric: 'train/epoch' })
    const set = Object.entries(chartViewParams(view)).filter((e): e is [string, string] => e[1] !== undefined)
    expect(set).toEqual([
      ['smoothing', '0.9'],
      ['xmin', '1'],
      ['xmax', '2'],
      ['x_axis', 'train/epoch'],
      ['full', 'loss'],
    ])
    expect(parseChartView(new URLSearchParams(set))).toEqual(view)
  })

  it('reads x_axis as the step, wall time, relative time or a metric key', () => {
    const x = (q: string) => parseChartView(new URLSearchParams(q)).xAxis
    expect(x('')).toBe('step')
    expect(x('x_axis=step')).toBe('step')
    expect(x('x_axis=wall')).toBe('wall')
    expect(x('x_axis=time')).toBe('relative')
    expect(x('x_axis=relative')).toBe('relative')
    expect(x('x_axis=eval%2Facc')).toEqual({ metric: 'eval/acc' })
    expect(chartViewParams(parseChartView(new URLSearchParams('x_axis=step'))).x_axis).toBeUndefined()
  })

  it('asks only for steps the API takes, however far the URL zooms', () => {
    expect(stepRange(parseChartView(new URLSearchParams('xmin=-5&xmax=1e17')))).toEqual({ from: 0, to: Number.MAX_SAFE_INTEGER })
  })
})
