import { describe, expect, it } from 'vitest'
import { chartData } from './chart-data'

const run = (id: string, x: number[], line: (number | null)[]) => ({
  id,
  name: id,
  series: { x, step: x, line, lo: line, hi: line, time: x.map((s) => 1000 * s), points: x.length, width: 1 },
})

describe('chartData', () => {
  it('puts bands first and lines last, on one shared x', () => {
    const { data, columns, points } = chartData([run('a', [0, 2], [1, 2]), run('b', [1, 2], [5, 6])], 0, false)
    expect(data[0]).toEqual([0, 1, 2])
    expect(columns.map((c) => [c.hi, c.lo, c.raw, c.line])).toEqual([
      [1, 2, undefined, 5],
      [3, 4, undefined, 6],
    ])
    expect(data[5]).toEqual([1, undefined, 2])
    expect(data[6]).toEqual([undefined, 5, 6])
    expect(points).toBe(4)
    expect(columns[1]?.steps).toEqual([undefined, 1, 2])
  })

  it('with smoothing, keeps the raw line beside the smoothed one', () => {
    const { data, columns } = chartData([run('a', [0, 1, 2], [0, 10, null])], 0.5, false)
    const c = columns[0]
    expect(c?.raw).toBe(3)
    expect(data[3]).toEqual([0, 10, null])
    expect(data[4]?.[0]).toBe(0)
    expect(data[4]?.[1]).toBeCloseTo(5 / 0.75, 12)
    expect(data[4]?.[2]).toBeNull()
  })

  it('on a log axis, leaves values at or below zero out as gaps', () => {
    const { data, columns } = chartData([run('a', [0, 1], [0, 10])], 0, true)
    expect(data[columns[0]?.line as number]).toEqual([null, 10])
  })
})
