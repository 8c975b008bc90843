import type { ValueKeyJson } from '@tally/sdk/api'
import { describe, expect, it } from 'vitest'
import { valuePanels } from './value-panels-view'

const key = (k: string, kind: ValueKeyJson['kind'], lastStep: number): ValueKeyJson => ({
  key: k,
  kind,
  count: 1,
  lastStep,
  steps: [lastStep],
})

describe('valuePanels', () => {
  it('makes a panel per key, sorted, with the runs that have it in table order and their last step', () => {
    const keysOf = new Map([
      ['a', [key('notes', 'markdown', 0), key('weights', 'histogram', 1500)]],
      ['b', [key('weights', 'histogram', 500)]],
      ['c', [key('samples', 'image', 9)]],
    ])
    expect(valuePanels(['b', 'a', 'c', 'unknown'], keysOf)).toEqual([
      { key: 'notes', kind: 'markdown', runs: [{ runId: 'a', lastStep: 0 }] },
      { key: 'samples', kind: 'image', runs: [{ runId: 'c', lastStep: 9 }] },
      {
        key: 'weights',
        kind: 'histogram',
        runs: [
          { runId: 'b', lastStep: 500 },
          { runId: 'a', lastStep: 1500 },
        ],
      },
    ])
  })

  it('names a key by the kind most runs logged under it', () => {
    const keysOf = new Map([
      ['a', [key('k', 'table', 0)]],
      ['b', [key('k', 'markdown', 0)]],
      ['c', [key('k', 'markdown', 0)]],
    ])
    expect(valuePanels(['a', 'b', 'c'], keysOf)[0]?.kind).toBe('markdown')
    expect(valuePanels([], keysOf)).toEqual([])
  })
})
