import { describe, expect, it } from 'vitest'
import { BACKOFF_FIRST_MS, BACKOFF_MAX_MS, backoffDelay } from './backoff.js'

describe('backoff', () => {
  it('starts at 0.25 s and doubles up to 30 s', () => {
    const ceilings = Array.from({ length: 12 }, (_, attempt) => backoffDelay(attempt, () => 1))
    expect(ceilings).toEqual([250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000])
    expect(backoffDelay(10_000, () => 1)).toBe(BACKOFF_MAX_MS)
  })

  it('jitters each wait between half and all of its ceiling', () => {
    expect(backoffDelay(0, () => 0)).toBe(BACKOFF_FIRST_MS / 2)
    expect(backoffDelay(7, () => 0)).toBe(BACKOFF_MAX_MS / 2)
    const draws = Array.from({ length: 1000 }, () => backoffDelay(3))
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(1000)
    expect(Math.max(...draws)).toBeLessThanOrEqual(2000)
    // Clients cut off together come back spread out, not in one burst.
    expect(new Set(draws.map((d) => Math.round(d / 100))).size).toBeGreaterThan(5)
  })

  it('adds up to a few seconds before the wait reaches its ceiling', () => {
    let total = 0
    for (let attempt = 0; attempt < 5; attempt++) total += backoffDelay(attempt, () => 1)
    expect(total).toBe(7750)
  })
})
