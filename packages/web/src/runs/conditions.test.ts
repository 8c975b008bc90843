import type { RunJson } from '@tally/sdk/api'
import { describe, expect, it } from 'vitest'
import { matches, parseCondition, parseConditions, whereRuns } from './conditions'

// The cases of the server's where (store.contract.test.ts), on the same runs.
const mk = (id: string, group: string | null, config: RunJson['config'], loss: number | string): RunJson =>
  ({ id, name: id, status: 'finished', group, createdAt: '2025-01-01T00:00:00Z', config, summary: { loss } }) as unknown as RunJson
const runs = [
  mk('a', 'g1', { lr: 0.1, opt: { name: 'adam' } }, 0.5),
  mk('b', 'g1', { lr: 0.01, opt: { name: 'sgd' } }, 0.2),
  mk('c', 'g2', { lr: 0.001, flag: true }, 0.9),
  mk('d', null, {}, 'NaN'),
]
const ids = (text: string): string[] => {
  const { conditions, error } = parseConditions(text)
  if (error !== undefined) throw new Error(error)
  return whereRuns(runs, conditions).map((r) => r.id)
}

describe('parseCondition', () => {
  it('reads the CLI syntax', () => {
    expect(parseCondition('config.lr > 0.001')).toEqual({ field: 'config.lr', op: '>', value: 0.001 })
    expect(parseCondition('summary.loss<=0.2')).toEqual({ field: 'summary.loss', op: '<=', value: 0.2 })
    expect(parseCondition('config.optimizer = adam')).toEqual({ field: 'config.optimizer', op: '=', value: 'adam' })
    expect(parseCondition('config.optimizer == "adam"')).toEqual({ field: 'config.optimizer', op: '=', value: 'adam' })
    expect(parseCondition("config.x = '1'")).toEqual({ field: 'config.x', op: '=', value: '1' })
    expect(parseCondition('status != failed')).toEqual({ field: 'status', op: '!=', value: 'failed' })
    expect(parseCondition('config.flag = true')).toEqual({ field: 'config.flag', op: '=', value: true })
    expect(parseCondition('config.lr = null')).toEqual({ field: 'config.lr', op: '=', value: null })
  })
  it('gives an error, never throws, for a malformed condition', () => {
    for (const bad of [
      'config.lr >',
      'lr',
      'config.lr ~ 1',
      'bogus = 1',
      'status = 1',
      'config.lr < null',
      'config..x = 1',
      'createdAt > x',
    ]) {
      const c = parseCondition(bad)
      expect('error' in c, bad).toBe(true)
    }
  })
  it('reads several conditions separated by ";", stopping at the first error', () => {
    expect(parseConditions('config.lr > 0.001; status = finished ;').conditions).toHaveLength(2)
    expect(parseConditions('config.lr > 0.001; nope').error).toMatch(/cannot read "nope"/)
    expect(parseConditions('  ')).toEqual({ conditions: [] })
  })
})

describe('evaluating conditions as the server does', () => {
  it('matches the server on the contract cases', () => {
    expect(ids('config.lr < 0.05')).toEqual(['b', 'c'])
    expect(ids('config.opt.name = adam')).toEqual(['a'])
    expect(ids('config.flag = true')).toEqual(['c'])
    expect(ids('config.lr = null')).toEqual(['d'])
    expect(ids('config.lr != 0.1')).toEqual(['b', 'c', 'd'])
    expect(ids('summary.loss <= 0.5')).toEqual(['a', 'b'])
    expect(ids('group = g1; config.lr > 0.05')).toEqual(['a'])
    expect(ids('group != g1')).toEqual(['c', 'd'])
  })
  it('orders numbers before text, so "NaN" is above every number', () => {
    expect(ids('summary.loss > 1')).toEqual(['d'])
    expect(matches(runs[0] as RunJson, { field: 'config.lr', op: '>', value: 'a' })).toBe(false)
  })
})
