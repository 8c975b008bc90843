import { describe, expect, it } from 'vitest'
import { parseTags } from './run-edits'

describe('parseTags', () => {
  it('splits on commas, trims, and drops empty and repeated tags', () => {
    expect(parseTags(' baseline, lr-sweep ,,baseline ')).toEqual(['baseline', 'lr-sweep'])
    expect(parseTags('')).toEqual([])
    expect(parseTags('a b')).toEqual(['a b'])
  })
})
