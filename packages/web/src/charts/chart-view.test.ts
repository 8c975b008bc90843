import { describe, expect, it } from 'vitest'
import { chartViewParams, parseChartView, stepRange } from './chart-view'

describe('parseChartView', () => {
  it("reads Trackio's embedding parameters", () => {
    const view = parseChartView(new URLSearchParams('smoothing=0.6&xmin=100&xmax=250.5&metrics=loss&yscale=log'))
    expect(view).toEqual({ smoothing: 0.6, xmin: 100, xmax: 250.5, metrics: 'loss', log: true })
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
    })
    const view = parseChartView(new URLSearchParams('smoothing=0.9&xmin=1&xmax=2'))
    const set = Object.entries(chartViewParams(view)).filter((e): e is [string, string] => e[1] !== undefined)
    expect(set).toEqual([
      ['smoothing', '0.9'],
      ['xmin', '1'],
      ['xmax', '2'],
    ])
    expect(parseChartView(new URLSearchParams(set))).toEqual(view)
  })
})
