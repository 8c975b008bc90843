import type { RunJson } from '@tally/sdk/api'
import { describe, expect, it } from 'vitest'
import { bestIndexes, betterEnd, diffRows, searchRows } from './config-diff'

const run = (config: RunJson['config'], summary: RunJson['summary'] = {}): RunJson => ({ config, summary }) as RunJson

describe('the config diff', () => {
  it('flattens nested keys and puts the differing ones first, each part sorted', () => {
    const rows = diffRows(
      [
        run({ seed: 1, optimizer: { name: 'adam', lr: 1e-3 }, epochs: 10, layers: [64, 64] }),
        run({ seed: 2, optimizer: { name: 'adam', lr: 1e-2 }, epochs: 10, layers: [64, 64] }),
      ],
      'config',
    )
    expect(rows.map((r) => [r.key, r.differs])).toEqual([
      ['optimizer.lr', true],
      ['seed', true],
      ['epochs', false],
      ['layers', false],
      ['optimizer.name', false],
    ])
    expect(rows[0]?.values).toEqual([1e-3, 1e-2])
  })

  it('counts a key one run lacks as differing, even against null', () => {
    const rows = diffRows([run({ a: 1, b: null }), run({ a: 1 }), run({ a: 1, b: null })], 'config')
    expect(rows).toEqual([
      { key: 'b', values: [null, undefined, null], differs: true },
      { key: 'a', values: [1, 1, 1], differs: false },
    ])
  })

  it('compares NaN and Infinity as the API writes them, and summary keys holding "/"', () => {
    const rows = diffRows([run({}, { 'train/loss': 'NaN', acc: 'Infinity' }), run({}, { 'train/loss': 0.5, acc: 'Infinity' })], 'summary')
    expect(rows.map((r) => [r.key, r.differs])).toEqual([
      ['train/loss', true],
      ['acc', false],
    ])
  })

  it('has no rows for runs without config', () => {
    expect(diffRows([run({}), run({})], 'config')).toEqual([])
  })

  it('searches keys by every word, case-insensitive', () => {
    const rows = diffRows([run({ optimizer: { lr: 1, name: 'a' }, lr_decay: 2 })], 'config')
    expect(searchRows(rows, 'LR').map((r) => r.key)).toEqual(['lr_decay', 'optimizer.lr'])
    expect(searchRows(rows, 'opt lr').map((r) => r.key)).toEqual(['optimizer.lr'])
    expect(searchRows(rows, '  ')).toHaveLength(3)
  })
})

describe('the best value of a summary row', () => {
  it('is the lowest loss or error, the highest of anything else, and none for system metrics', () => {
    expect(betterEnd('val/loss')).toBe('lower')
    expect(betterEnd('test_error')).toBe('lower')
    expect(betterEnd('val/acc')).toBe('higher')
    expect(betterEnd('system/cpu_percent')).toBeUndefined()
  })

  it('marks every tie, skips NaN and missing values, and marks nothing when all tie or fewer than two compare', () => {
    expect([...bestIndexes([0.3, 0.1, 'NaN', undefined, 0.1], 'lower')]).toEqual([1, 4])
    expect([...bestIndexes([0.3, 0.9, '-Infinity'], 'higher')]).toEqual([1])
    expect([...bestIndexes([0.5, 0.5], 'higher')]).toEqual([])
    expect([...bestIndexes([0.5, 'NaN'], 'higher')]).toEqual([])
    expect([...bestIndexes(['adam', 'sgd'], 'higher')]).toEqual([])
    expect([...bestIndexes([1, 2], undefined)]).toEqual([])
  })
})
