import type { RunJson } from '@tally/sdk/api'
import { describe, expect, it } from 'vitest'
import { argvOf, flattenTree, formatArgv, formatJson, isNumeric, runDurationMs, searchTree } from './run-values'

const config = {
  lr: 0.001,
  optimizer: { name: 'adamw', betas: [0.9, 0.999] },
  model: { layers: 12, dropout: 'NaN' },
  tags: [],
}

describe('flattenTree', () => {
  it('lists every key depth first in key order, parents before children', () => {
    expect(flattenTree(config).map((r) => [r.path, r.depth, r.kind, r.value ?? r.size])).toEqual([
      ['lr', 0, 'leaf', 0.001],
      ['model', 0, 'object', 2],
      ['model.dropout', 1, 'leaf', 'NaN'],
      ['model.layers', 1, 'leaf', 12],
      ['optimizer', 0, 'object', 2],
      ['optimizer.betas', 1, 'array', 2],
      ['optimizer.betas.0', 2, 'leaf', 0.9],
      ['optimizer.betas.1', 2, 'leaf', 0.999],
      ['optimizer.name', 1, 'leaf', 'adamw'],
      ['tags', 0, 'array', 0],
    ])
    expect(flattenTree({})).toEqual([])
  })
})

describe('searchTree', () => {
  const rows = flattenTree(config)
  const paths = (search: string) => searchTree(rows, search).map((r) => r.path)

  it('keeps everything for an empty search', () => {
    expect(paths('  ')).toHaveLength(rows.length)
  })

  it('matches keys and values, case-insensitively, keeping the ancestors', () => {
    expect(paths('ADAMW')).toEqual(['optimizer', 'optimizer.name'])
    expect(paths('0.999')).toEqual(['optimizer', 'optimizer.betas', 'optimizer.betas.1'])
    expect(paths('layers')).toEqual(['model', 'model.layers'])
    expect(paths('nan')).toEqual(['model', 'model.dropout'])
  })

  it('keeps all under a matching branch, and needs every word', () => {
    expect(paths('betas')).toEqual(['optimizer', 'optimizer.betas', 'optimizer.betas.0', 'optimizer.betas.1'])
    expect(paths('model 12')).toEqual(['model', 'model.layers'])
    expect(paths('model adamw')).toEqual([])
    expect(paths('nothing-like-it')).toEqual([])
  })
})

describe('formatJson', () => {
  it('shows NaN and infinities as such, and structures as JSON', () => {
    expect(formatJson('NaN')).toBe('NaN')
    expect(formatJson('-Infinity')).toBe('-Infinity')
    expect(formatJson(0.1)).toBe('0.1')
    expect(formatJson(null)).toBe('null')
    expect(formatJson(false)).toBe('false')
    expect(formatJson([1, { a: 'b' }])).toBe('[1,{"a":"b"}]')
    expect(isNumeric('Infinity')).toBe(true)
    expect(isNumeric(3)).toBe(true)
    expect(isNumeric('adam')).toBe(false)
  })
})

describe('the command line', () => {
  it('quotes words a shell would split', () => {
    expect(formatArgv(['/usr/bin/node', 'train.js', '--lr=0.001', 'my run', "it's", ''])).toBe(
      `/usr/bin/node train.js --lr=0.001 'my run' 'it'\\''s' ''`,
    )
  })

  it('reads argv from system only when it is a list of strings', () => {
    const run = (system: RunJson['system']) => ({ system }) as RunJson
    expect(argvOf(run({ argv: ['a', 'b'] }))).toEqual(['a', 'b'])
    expect(argvOf(run({ argv: 'a b' }))).toBeUndefined()
    expect(argvOf(run({}))).toBeUndefined()
  })
})

describe('runDurationMs', () => {
  const run = (r: Partial<RunJson>) =>
    ({ createdAt: '2025-01-01T00:00:00.000Z', finishedAt: null, heartbeatAt: null, status: 'finished', ...r }) as RunJson
  const now = Date.parse('2025-01-01T01:00:00.000Z')
  it('runs to the end, to now while running, to the last heartbeat of a crash', () => {
    expect(runDurationMs(run({ finishedAt: '2025-01-01T00:10:00.000Z' }), now)).toBe(600_000)
    expect(runDurationMs(run({ status: 'running' }), now)).toBe(3_600_000)
    expect(runDurationMs(run({ status: 'crashed', heartbeatAt: '2025-01-01T00:00:05.000Z' }), now)).toBe(5000)
    expect(runDurationMs(run({ status: 'crashed' }), now)).toBeUndefined()
    expect(runDurationMs(run({ createdAt: null }), now)).toBeUndefined()
  })
})
