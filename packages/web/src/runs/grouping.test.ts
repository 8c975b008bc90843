import { describe, expect, it } from 'vitest'
import { groupRuns, NONE_LABEL, tableRows } from './grouping'
import { testRun } from './test-runs'

const runs = [
  testRun('r1', { group: 'sgd', tags: ['a', 'b'], config: { optimizer: 'sgd', lr: 0.1 } }),
  testRun('r2', { group: 'adam', tags: ['b'], config: { optimizer: 'adam', lr: 0.01 } }),
  testRun('r3', { group: null, tags: [], config: { lr: 0.1 } }),
  testRun('r4', { group: 'adam', tags: ['a'], config: { optimizer: 'adam', lr: 1 } }),
]
const ids = (g: { runs: { id: string }[] }): string[] => g.runs.map((r) => r.id)

describe('groupRuns', () => {
  it('groups by group, by value, runs in their order, "(none)" last', () => {
    const groups = groupRuns(runs, { kind: 'group' })
    expect(groups.map((g) => [g.label, ids(g)])).toEqual([
      ['adam', ['r2', 'r4']],
      ['sgd', ['r1']],
      [NONE_LABEL, ['r3']],
    ])
  })

  it('puts a run with several tags under each', () => {
    expect(groupRuns(runs, { kind: 'tag' }).map((g) => [g.label, ids(g)])).toEqual([
      ['a', ['r1', 'r4']],
      ['b', ['r1', 'r2']],
      [NONE_LABEL, ['r3']],
    ])
  })

  it('groups by a config key, numbers by value', () => {
    expect(groupRuns(runs, { kind: 'config', key: 'config.lr' }).map((g) => [g.label, ids(g)])).toEqual([
      ['0.01', ['r2']],
      ['0.1', ['r1', 'r3']],
      ['1', ['r4']],
    ])
    expect(groupRuns(runs, { kind: 'config', key: 'config.optimizer' }).map((g) => g.label)).toEqual(['adam', 'sgd', NONE_LABEL])
  })

  it('tells a number from the same text', () => {
    const mixed = [testRun('n', { config: { v: 1 } }), testRun('s', { config: { v: '1' } })]
    expect(groupRuns(mixed, { kind: 'config', key: 'config.v' })).toHaveLength(2)
  })
})

describe('tableRows', () => {
  it('lists the runs alone when not grouped', () => {
    expect(tableRows(runs, undefined, new Set()).map((r) => r.key)).toEqual(['r1', 'r2', 'r3', 'r4'])
  })

  it('puts each group’s header before its runs, and leaves out the runs of a collapsed group', () => {
    const groups = groupRuns(runs, { kind: 'tag' })
    const open = tableRows(runs, groups, new Set())
    expect(open.map((r) => (r.type === 'group' ? `[${r.label} ${r.count}]` : r.run.id))).toEqual([
      '[a 2]',
      'r1',
      'r4',
      '[b 2]',
      'r1',
      'r2',
      `[${NONE_LABEL} 1]`,
      'r3',
    ])
    // Keys stay unique when a run is under two tags.
    expect(new Set(open.map((r) => r.key)).size).toBe(open.length)
    const shut = tableRows(runs, groups, new Set([groups[0]?.key ?? '']))
    expect(shut.map((r) => (r.type === 'group' ? `[${r.label}${r.collapsed ? ' +' : ''}]` : r.run.id))).toEqual([
      '[a +]',
      '[b]',
      'r1',
      'r2',
      `[${NONE_LABEL}]`,
      'r3',
    ])
  })
})
