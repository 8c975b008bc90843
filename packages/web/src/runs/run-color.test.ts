import { describe, expect, it } from 'vitest'
import { runColor, runColorAlpha } from './run-color'

describe('runColor', () => {
  it('gives a run the same colour every time, from its id alone', () => {
    expect(runColor('r-7f3a')).toBe(runColor('r-7f3a'))
    expect(runColor('r-7f3a')).toMatch(/^hsl\(\d+ \d+% \d+%\)$/)
  })

  it('tells apart runs whose ids differ by one character', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `run-${i}`)
    const hues = new Set(ids.map((id) => runColor(id).split(' ')[0]))
    // 50 ids over 360 hues: a few may share, most must not.
    expect(hues.size).toBeGreaterThan(40)
  })
})

describe('runColorAlpha', () => {
  it('is the same colour, see-through', () => {
    expect(runColorAlpha('r-7f3a', 0.2)).toBe(runColor('r-7f3a').replace(')', ' / 0.2)'))
  })
})
