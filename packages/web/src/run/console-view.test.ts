import type { ConsoleLineJson } from '@tally/sdk/api'
import { describe, expect, it } from 'vitest'
import { hasEarlier, lastSeq, mergeLines } from './console-view'

const lines = (...seqs: number[]): ConsoleLineJson[] => seqs.map((seq) => ({ seq, stream: 'stdout', at: 0, text: `line ${seq}` }))
const seqs = (l: ConsoleLineJson[]): number[] => l.map((x) => x.seq)

describe('mergeLines', () => {
  it('appends newer lines and prepends earlier ones', () => {
    expect(seqs(mergeLines(lines(3, 4), lines(5, 6)))).toEqual([3, 4, 5, 6])
    expect(seqs(mergeLines(lines(3, 4), lines(1, 2)))).toEqual([1, 2, 3, 4])
  })

  it('shows a line that arrives twice once, in seq order', () => {
    expect(seqs(mergeLines(lines(3, 4, 5), lines(4, 5, 6)))).toEqual([3, 4, 5, 6])
  })

  it('keeps only the newest lines past the cap', () => {
    expect(seqs(mergeLines(lines(1, 2, 3), lines(4, 5), 3))).toEqual([3, 4, 5])
  })
})

describe('hasEarlier and lastSeq', () => {
  it('say whether lines precede the first held and where to poll from', () => {
    expect(hasEarlier(lines(1, 2))).toBe(false)
    expect(hasEarlier(lines(7, 8))).toBe(true)
    expect(hasEarlier([])).toBe(false)
    expect(lastSeq(lines(7, 8))).toBe(8)
    expect(lastSeq([])).toBe(0)
  })
})
