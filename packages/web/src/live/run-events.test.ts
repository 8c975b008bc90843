import type { RunJson } from '@tally/sdk/api'
import { describe, expect, it } from 'vitest'
import { applyRunEvent, reconnectDelay } from './run-events'

const run = (id: string, status: RunJson['status'] = 'running'): RunJson => ({ id, name: id, status, lastStep: 1 }) as unknown as RunJson

describe('applyRunEvent', () => {
  const runs = [run('b'), run('a', 'finished')]
  it('replaces a changed run in place', () => {
    const out = applyRunEvent(runs, run('b', 'finished'))
    expect(out.map((r) => [r.id, r.status])).toEqual([
      ['b', 'finished'],
      ['a', 'finished'],
    ])
    expect(runs[0]?.status).toBe('running')
  })
  it('adds a new run first', () => {
    expect(applyRunEvent(runs, run('c')).map((r) => r.id)).toEqual(['c', 'b', 'a'])
  })
  it('removes a deleted run, and ignores the deletion of one it never had', () => {
    expect(applyRunEvent(runs, { id: 'b', deleted: true }).map((r) => r.id)).toEqual(['a'])
    expect(applyRunEvent(runs, { id: 'x', deleted: true })).toBe(runs)
  })
})

describe('reconnectDelay', () => {
  it('backs off from 1 s, doubling up to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(reconnectDelay)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
  })
})
