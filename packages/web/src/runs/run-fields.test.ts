import type { RunJson } from '@tally/sdk/api'
import { describe, expect, it } from 'vitest'
import { fieldKeys, fieldValue, flattenKeys, formatField, formatNumber, isFieldKey, parseCols } from './run-fields'

const run = (config: RunJson['config'], summary: RunJson['summary'] = {}): RunJson => ({ config, summary }) as RunJson

describe('run fields', () => {
  it('flattens nested objects with "."; arrays and empty objects are values', () => {
    expect(flattenKeys({ lr: 1, opt: { name: 'adam', betas: [0.9, 0.99] }, e: {} }, 'config')).toEqual([
      'config.lr',
      'config.opt.name',
      'config.opt.betas',
      'config.e',
    ])
  })
  it('lists the keys of all runs, config first, each sorted', () => {
    expect(fieldKeys([run({ lr: 1 }, { 'train/loss': 2 }), run({ batch: 2, lr: 3 }, { acc: 1 })])).toEqual([
      'config.batch',
      'config.lr',
      'summary.acc',
      'summary.train/loss',
    ])
  })
  it('reads values by path, a key holding a dot too', () => {
    const r = run({ opt: { name: 'adam' }, layers: [64] }, { 'a.b': 5 })
    expect(fieldValue(r, 'config.opt.name')).toBe('adam')
    expect(fieldValue(r, 'config.layers.0')).toBeUndefined()
    expect(fieldValue(r, 'summary.a.b')).toBe(5)
    expect(fieldValue(r, 'config.missing')).toBeUndefined()
    expect(fieldValue(r, 'config.constructor')).toBeUndefined()
  })
  it('formats values compactly', () => {
    expect(formatNumber(0.001)).toBe('0.001')
    expect(formatNumber(0.000012)).toBe('1.2e-5')
    expect(formatNumber(1234567)).toBe('1.235e+6')
    expect(formatNumber(0.123456)).toBe('0.1235')
    expect(formatNumber(64)).toBe('64')
    expect(formatField('NaN')).toBe('NaN')
    expect(formatField('-Infinity')).toBe('-Infinity')
    expect(formatField(undefined)).toBe('–')
    expect(formatField(true)).toBe('true')
    expect(formatField({ a: [1, 2] })).toBe('{"a":[1,2]}')
    expect(formatField({ long: 'x'.repeat(100) }, 20)).toHaveLength(20)
  })
  it('reads the columns from the URL', () => {
    expect(parseCols(new URLSearchParams('cols=config.lr,summary.loss,bogus,config.lr,config.'))).toEqual(['config.lr', 'summary.loss'])
    expect(isFieldKey('summary.train/loss')).toBe(true)
    expect(isFieldKey('name')).toBe(false)
  })
})
