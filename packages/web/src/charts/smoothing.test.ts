import { describe, expect, it } from 'vitest'
import { parseSmoothing, smooth } from './smoothing'

describe('smooth', () => {
  it('is the identity at 0', () => {
    const ys = [1, 5, null, Number.NaN, -2]
    expect(smooth(ys, 0)).toEqual(ys)
  })

  it("is TensorBoard's debiased EMA: the first point is kept, later ones lean on the past", () => {
    const s = smooth([1, 2, 3], 0.5)
    expect(s[0]).toBe(1)
    // EMA 0.5*0.5 + 0.5*2 = 1.25, debiased by 1 - 0.25.
    expect(s[1]).toBeCloseTo(1.25 / 0.75, 12)
    expect(s[2]).toBeCloseTo((1.25 * 0.5 + 1.5) / 0.875, 12)
  })

  it('keeps a constant series constant at any weight (no pull toward zero)', () => {
    for (const v of smooth([3, 3, 3, 3, 3], 0.999)) expect(v).toBeCloseTo(3, 9)
  })

  it('passes NaN and null through as gaps and does not let them poison later points', () => {
    const s = smooth([1, Number.NaN, null, 1, Number.POSITIVE_INFINITY, 1], 0.9)
    expect(s[1]).toBeNaN()
    expect(s[2]).toBeNull()
    expect(s[4]).toBe(Number.POSITIVE_INFINITY)
    expect(s[3]).toBeCloseTo(1, 12)
    expect(s[5]).toBeCloseTo(1, 12)
  })
})

describe('parseSmoothing', () => {
  it('reads 0 to 0.999 and falls back to 0', () => {
    expect(parseSmoothing('0.6')).toBe(0.6)
    expect(parseSmoothing('0.9999')).toBe(0.999)
    expect(parseSmoothing(null)).toBe(0)
    expect(parseSmoothing('abc')).toBe(0)
    expect(parseSmoothing('-1')).toBe(0)
  })

  it("reads Trackio's whole-number window (1 to 20) as the EMA of the same span", () => {
    // A window of N points ~ an EMA of span N: weight (N - 1) / (N + 1); Trackio widens 1 and 2 to 3.
    expect(parseSmoothing('1')).toBe(0.5)
    expect(parseSmoothing('3')).toBe(0.5)
    expect(parseSmoothing('5')).toBe(0.667)
    expect(parseSmoothing('10')).toBe(0.818)
    expect(parseSmoothing('20')).toBe(0.905)
    expect(parseSmoothing('50')).toBe(0.905)
    expect(parseSmoothing('4.6')).toBe(0.667)
  })
})
