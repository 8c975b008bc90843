import type { ConsoleLine, SpoolRecord } from '@tally/sdk/spool'
import { describe, expect, it } from 'vitest'
import type { StoreChange } from './store.js'
import { eventRecord, runRecord, T0 } from './test-records.js'
import { codeOf, freshStores, STORE_KINDS } from './test-stores.js'

const out = (text: string, at = T0): ConsoleLine => ({ stream: 'stdout', at, text })
const err = (text: string, at = T0): ConsoleLine => ({ stream: 'stderr', at, text })
const consoleRecord = (seq: number, lines: ConsoleLine[]): SpoolRecord => eventRecord(seq, { type: 'console', at: T0, lines })
const texts = (lines: { seq: number; text: string }[]): string[] => lines.map((l) => `${l.seq}:${l.text}`)

for (const kind of STORE_KINDS) {
  describe(`${kind}: console lines`, () => {
    const fresh = freshStores(kind, 'console', { now: () => T0 + 1000, hostname: 'this-host' })

    it('numbers lines per run in the order written, across calls and writers, and pages both ways', async () => {
      const store = await fresh()
      await store.ingest('w1', [runRecord(1, { id: 'r1' }), consoleRecord(2, [out('epoch 1', T0 + 1), err('warning: slow', T0 + 2)])])
      await store.ingest('w1', [consoleRecord(3, [out('epoch 2', T0 + 3)])])
      await store.ingest('w2', [runRecord(1, { id: 'r1', resume: 'allow' }, { id: 'w2' }), consoleRecord(2, [out('rank 1 says hi')])])
      const all = await store.readConsole({ runId: 'r1' })
      expect(all).toEqual([
        { seq: 1, stream: 'stdout', at: T0 + 1, text: 'epoch 1' },
        { seq: 2, stream: 'stderr', at: T0 + 2, text: 'warning: slow' },
        { seq: 3, stream: 'stdout', at: T0 + 3, text: 'epoch 2' },
        { seq: 4, stream: 'stdout', at: T0, text: 'rank 1 says hi' },
      ])
      expect(texts(await store.readConsole({ runId: 'r1', after: 2 }))).toEqual(['3:epoch 2', '4:rank 1 says hi'])
      expect(texts(await store.readConsole({ runId: 'r1', after: 1, limit: 2 }))).toEqual(['2:warning: slow', '3:epoch 2'])
      expect(texts(await store.readConsole({ runId: 'r1', before: Number.MAX_SAFE_INTEGER, limit: 2 }))).toEqual([
        '3:epoch 2',
        '4:rank 1 says hi',
      ])
      expect(texts(await store.readConsole({ runId: 'r1', before: 3, limit: 10 }))).toEqual(['1:epoch 1', '2:warning: slow'])
      expect(await store.readConsole({ runId: 'r1', after: 4 })).toEqual([])
    })

    it('stores a replayed record once, keeps truncation marks, and does not count lines as a run change', async () => {
      const store = await fresh()
      const records = [runRecord(1, { id: 'r1' }), consoleRecord(2, [out('a'), { ...err('x'.repeat(100)), truncated: true }])]
      await store.ingest('w1', records)
      const changes: StoreChange[] = []
      const stop = store.watch((c) => changes.push(c))
      await store.ingest('w1', records)
      await store.ingest('w1', [...records, consoleRecord(3, [out('b')])])
      const deadline = Date.now() + 5000
      while (changes.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
      stop()
      const lines = await store.readConsole({ runId: 'r1' })
      expect(texts(lines)).toEqual(['1:a', `2:${'x'.repeat(100)}`, '3:b'])
      expect(lines[1]?.truncated).toBe(true)
      expect(lines[0]).not.toHaveProperty('truncated')
      expect(changes).toEqual([{ type: 'console', workspace: 'default', project: 'p', runId: 'r1' }])
    })

    it('refuses malformed lines with spool_format and bad reads with invalid_query or not_found', async () => {
      const store = await fresh()
      await store.ingest('w1', [runRecord(1, { id: 'r1' })])
      const bad = [
        { stream: 'stdin', at: T0, text: 'x' },
        { stream: 'stdout', at: -1, text: 'x' },
        { stream: 'stdout', at: T0, text: 'x'.repeat(20_000) },
      ]
      for (const line of bad) expect(await codeOf(store.ingest('w1', [consoleRecord(2, [line as ConsoleLine])]))).toBe('spool_format')
      expect(await store.readConsole({ runId: 'r1' })).toEqual([])
      expect(await codeOf(store.readConsole({ runId: 'r1', after: -1 }))).toBe('invalid_query')
      expect(await codeOf(store.readConsole({ runId: 'r1', limit: 0 }))).toBe('invalid_query')
      expect(await codeOf(store.readConsole({ runId: 'r1', after: 1, before: 5 }))).toBe('invalid_query')
      expect(await codeOf(store.readConsole({ runId: 'nope' }))).toBe('not_found')
    })

    it('deletes the lines with the run', async () => {
      const store = await fresh()
      await store.ingest('w1', [runRecord(1, { id: 'r1' }), consoleRecord(2, [out('a')])])
      await store.ingest('w2', [runRecord(1, { id: 'r2' }, { id: 'w2' }), consoleRecord(2, [out('b')])])
      await store.deleteRun('r1')
      expect(await codeOf(store.readConsole({ runId: 'r1' }))).toBe('not_found')
      expect(texts(await store.readConsole({ runId: 'r2' }))).toEqual(['1:b'])
    })
  })
}
