import { describe, expect, it } from 'vitest'
import { virtualWindow } from './virtual-window'

const base = { count: 10_000, rowHeight: 30, viewportHeight: 300, overscan: 5 }

describe('virtualWindow', () => {
  it('draws the rows in view plus overscan at the top', () => {
    expect(virtualWindow({ ...base, scrollTop: 0 })).toEqual({ start: 0, end: 15, before: 0, after: (10_000 - 15) * 30 })
  })

  it('draws a window in the middle, the rows left out kept as heights', () => {
    const w = virtualWindow({ ...base, scrollTop: 3000 })
    expect(w).toEqual({ start: 95, end: 115, before: 95 * 30, after: (10_000 - 115) * 30 })
    expect(w.before + (w.end - w.start) * 30 + w.after).toBe(10_000 * 30)
  })

  it('draws the last rows at the end, and stays in range when scrolled past it', () => {
    expect(virtualWindow({ ...base, scrollTop: 10_000 * 30 - 300 })).toMatchObject({ start: 9985, end: 10_000, after: 0 })
    expect(virtualWindow({ ...base, scrollTop: 10_000 * 30 + 5000 })).toMatchObject({ end: 10_000, after: 0 })
    expect(virtualWindow({ ...base, scrollTop: -50 })).toMatchObject({ start: 0, before: 0 })
  })

  it('draws every row of a short list, and nothing of an empty one', () => {
    expect(virtualWindow({ ...base, count: 3, scrollTop: 0 })).toEqual({ start: 0, end: 3, before: 0, after: 0 })
    expect(virtualWindow({ ...base, count: 0, scrollTop: 0 })).toEqual({ start: 0, end: 0, before: 0, after: 0 })
  })

  it('draws a row even before the viewport is measured', () => {
    expect(virtualWindow({ ...base, viewportHeight: 0, scrollTop: 0 }).end).toBeGreaterThan(0)
  })
})
