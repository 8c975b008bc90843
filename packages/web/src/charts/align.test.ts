import { describe, expect, it } from 'vitest'
import { alignColumns, nearestPoint } from './align'

describe('alignColumns', () => {
  it('puts runs logged at different steps on one x, with undefined where a run has no point', () => {
    const a = { x: [0, 2, 4], ys: [[1, 2, 3]] }
    const b = {
      x: [1, 2, 5],
      ys: [
        [10, null, 30],
        [9, 19, 29],
      ],
    }
    expect(alignColumns([a, b])).toEqual([
      [0, 1, 2, 4, 5],
      [1, undefined, 2, 3, undefined],
      [undefined, 10, null, undefined, 30],
      [undefined, 9, 19, undefined, 29],
    ])
  })

  it('aligns a sparse metric beside a dense one without inventing values between its points', () => {
    const dense = { x: [0, 1, 2, 3, 4, 5], ys: [[5, 5, 5, 5, 5, 5]] }
    const sparse = { x: [2, 5], ys: [[1, 2]] }
    const [xs, , s] = alignColumns([dense, sparse])
    expect(xs).toEqual([0, 1, 2, 3, 4, 5])
    expect(s).toEqual([undefined, undefined, 1, undefined, undefined, 2])
  })

  it('handles no runs and empty runs', () => {
    expect(alignColumns([])).toEqual([[]])
    expect(alignColumns([{ x: [], ys: [[]] }])).toEqual([[], []])
  })
})

describe('nearestPoint', () => {
  it("finds the run's nearest logged point to the hovered index", () => {
    const xs = [0, 10, 20, 30, 100]
    const ys = [undefined, 1, undefined, undefined, 2]
    expect(nearestPoint(xs, ys, 1)).toBe(1)
    expect(nearestPoint(xs, ys, 0)).toBe(1)
    expect(nearestPoint(xs, ys, 3)).toBe(1)
    expect(nearestPoint(xs, ys, 4)).toBe(4)
    expect(nearestPoint(xs, [undefined, undefined, null, undefined, undefined], 4)).toBe(2)
    expect(nearestPoint(xs, [undefined, undefined, undefined, undefined, undefined], 2)).toBeUndefined()
  })
})
