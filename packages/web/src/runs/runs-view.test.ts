import type { RunJson } from '@tally/sdk/api'
import { describe, expect, it } from 'vitest'
import { filterRuns, nextSort, parseSort, runDuration, sortRuns } from './runs-view'
import { testRun } from './test-runs'

const T0 = Date.parse('2025-11-25T10:00:00.000Z')
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString()

/** Finished a minute after creation unless `fields` say otherwise. */
const run = (id: string, fields: Partial<RunJson>): RunJson =>
  testRun(id, { createdAt: at(0), updatedAt: at(1), finishedAt: at(1), heartbeatAt: at(1), ...fields })

const runs = [
  run('a', { name: 'baseline', group: 'adam', tags: ['demo', 'adam'], createdAt: at(0), finishedAt: at(30) }),
  run('b', { name: 'High-LR', group: 'adam', tags: ['demo'], createdAt: at(10), finishedAt: at(20) }),
  run('c', { name: 'sgd', group: null, status: 'failed', createdAt: at(20), finishedAt: at(25) }),
  run('d', { name: 'live', group: 'sgd', status: 'running', createdAt: at(40), finishedAt: null }),
]
const NOW = T0 + 60 * 60_000
const names = (rs: RunJson[]): string[] => rs.map((r) => r.name)

describe('the runs table view', () => {
  it('reads the sort from the URL, newest first by default or when the URL is wrong', () => {
    expect(parseSort(new URLSearchParams(''))).toEqual({ column: 'created', order: 'desc' })
    expect(parseSort(new URLSearchParams('sort=name'))).toEqual({ column: 'name', order: 'asc' })
    expect(parseSort(new URLSearchParams('sort=duration&order=asc'))).toEqual({ column: 'duration', order: 'asc' })
    expect(parseSort(new URLSearchParams('sort=bogus&order=asc'))).toEqual({ column: 'created', order: 'desc' })
  })

  it('flips the order on a second click of the same header', () => {
    expect(nextSort({ column: 'name', order: 'asc' }, 'name')).toEqual({ column: 'name', order: 'desc' })
    expect(nextSort({ column: 'name', order: 'desc' }, 'duration')).toEqual({ column: 'duration', order: 'desc' })
  })

  it('sorts by name ignoring case, by created, and by duration with a running run counted to now', () => {
    expect(names(sortRuns(runs, { column: 'name', order: 'asc' }, NOW))).toEqual(['baseline', 'High-LR', 'live', 'sgd'])
    expect(names(sortRuns(runs, { column: 'created', order: 'desc' }, NOW))).toEqual(['live', 'sgd', 'High-LR', 'baseline'])
    // live: 20 min so far; baseline 30, high-lr 10, sgd 5.
    expect(names(sortRuns(runs, { column: 'duration', order: 'desc' }, NOW))).toEqual(['baseline', 'live', 'High-LR', 'sgd'])
    expect(runDuration(runs[3] as RunJson, NOW)).toBe(20 * 60_000)
  })

  it('puts runs without a group last in either order, and running and failed runs first by status', () => {
    expect(names(sortRuns(runs, { column: 'group', order: 'asc' }, NOW)).at(-1)).toBe('sgd')
    expect(names(sortRuns(runs, { column: 'group', order: 'desc' }, NOW)).at(-1)).toBe('sgd')
    expect(names(sortRuns(runs, { column: 'status', order: 'asc' }, NOW)).slice(0, 2)).toEqual(['live', 'sgd'])
  })

  it('filters by every word, in name, status, group or tags, ignoring case', () => {
    expect(names(filterRuns(runs, ''))).toEqual(names(runs))
    expect(names(filterRuns(runs, 'ADAM'))).toEqual(['baseline', 'High-LR'])
    expect(names(filterRuns(runs, 'adam  demo base'))).toEqual(['baseline'])
    expect(names(filterRuns(runs, 'failed'))).toEqual(['sgd'])
    expect(names(filterRuns(runs, 'nothing-like-this'))).toEqual([])
  })
})

describe('sorting by a config or summary key', () => {
  const runs = [
    run('a', { config: { lr: 0.01 }, summary: { loss: 'NaN' } }),
    run('b', { config: { lr: 0.001 }, summary: { loss: 0.2 } }),
    run('c', { config: {} }),
    run('d', { config: { lr: 0.1 }, summary: { loss: 0.5 } }),
  ]
  it('reads the key from the URL, ascending unless asked otherwise', () => {
    expect(parseSort(new URLSearchParams('sort=config.lr'))).toEqual({ column: 'config.lr', order: 'asc' })
    expect(parseSort(new URLSearchParams('sort=summary.train/loss&order=desc'))).toEqual({ column: 'summary.train/loss', order: 'desc' })
    expect(parseSort(new URLSearchParams('sort=config.'))).toEqual({ column: 'created', order: 'desc' })
  })
  it('orders numbers numerically with missing values last in both orders', () => {
    expect(sortRuns(runs, { column: 'config.lr', order: 'asc' }, 0).map((r) => r.id)).toEqual(['b', 'a', 'd', 'c'])
    expect(sortRuns(runs, { column: 'config.lr', order: 'desc' }, 0).map((r) => r.id)).toEqual(['d', 'a', 'b', 'c'])
  })
  it('flips the order when the same key is clicked again', () => {
    expect(nextSort({ column: 'config.lr', order: 'asc' }, 'config.lr')).toEqual({ column: 'config.lr', order: 'desc' })
  })
  it('sorts ±Infinity (sent as strings) as numbers, and NaN with the missing', () => {
    const inf = [
      run('p', { summary: { loss: 'Infinity' } }),
      run('n', { summary: { loss: -5 } }),
      run('m', { summary: { loss: '-Infinity' } }),
      run('x', { summary: { loss: 'NaN' } }),
      run('h', { summary: { loss: 0.5 } }),
    ]
    expect(sortRuns(inf, { column: 'summary.loss', order: 'asc' }, 0).map((r) => r.id)).toEqual(['m', 'n', 'h', 'p', 'x'])
  })
})
