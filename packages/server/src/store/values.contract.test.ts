import type { JsonValue, SpoolRecord, ValueKind } from '@tally/sdk/spool'
import { describe, expect, it } from 'vitest'
import { eventRecord, runRecord, T0 } from './test-records.js'
import { codeOf, freshStores, STORE_KINDS } from './test-stores.js'

const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 4, 0, 0, 0, 3, 8, 2, 0, 0, 0, 0xff, 0x00,
])

function valueRecord(seq: number, step: number, key: string, kind: ValueKind, value: JsonValue, data?: Buffer): SpoolRecord {
  const event = { type: 'value' as const, at: T0 + step, step, key, kind, value, ...(data ? { data: data.toString('base64') } : {}) }
  return eventRecord(seq, event)
}

const table = {
  columns: ['x', 'y'],
  rows: [
    [1, Number.NaN],
    ['a', null],
  ],
}

for (const kind of STORE_KINDS) {
  describe(`${kind}: rich values`, () => {
    const fresh = freshStores(kind, 'values', { now: () => T0 + 1000, hostname: 'this-host' })

    it('reads every kind back as logged, by key then step, and lists the keys with their steps', async () => {
      const store = await fresh()
      await store.ingest('w1', [
        runRecord(1, { id: 'r1' }),
        valueRecord(2, 0, 'preds', 'table', table),
        valueRecord(3, 0, 'w', 'histogram', { edges: [0, 1, 2], counts: [3, 4] }),
        valueRecord(4, 5, 'w', 'histogram', { edges: [0, 1], counts: [9] }),
        valueRecord(5, 2, 'pic', 'image', { mime: 'image/png', caption: 'tiny' }, PNG),
        valueRecord(6, 1, 'note', 'markdown', { text: '# hi <script>alert(1)</script>' }),
      ])
      const values = await store.readValues({ runId: 'r1' })
      expect(values.map((v) => [v.key, v.step, v.kind])).toEqual([
        ['note', 1, 'markdown'],
        ['pic', 2, 'image'],
        ['preds', 0, 'table'],
        ['w', 0, 'histogram'],
        ['w', 5, 'histogram'],
      ])
      expect(values[0]?.value).toEqual({ text: '# hi <script>alert(1)</script>' })
      expect(values[0]?.at).toBe(T0 + 1)
      // The store describes the image from its bytes, not from what the client said.
      expect(values[1]?.value).toEqual({ mime: 'image/png', bytes: PNG.length, width: 4, height: 3, caption: 'tiny' })
      expect(values[2]?.value).toEqual(table)
      expect(Object.is((values[2]?.value as { rows: JsonValue[][] } | undefined)?.rows[0]?.[1], Number.NaN)).toBe(true)
      expect(await store.valueKeys('r1')).toEqual([
        { key: 'note', kind: 'markdown', count: 1, lastStep: 1, steps: [1] },
        { key: 'pic', kind: 'image', count: 1, lastStep: 2, steps: [2] },
        { key: 'preds', kind: 'table', count: 1, lastStep: 0, steps: [0] },
        { key: 'w', kind: 'histogram', count: 2, lastStep: 5, steps: [0, 5] },
      ])
      const image = await store.valueImage('r1', 'pic', 2)
      expect(image?.mime).toBe('image/png')
      expect(Buffer.compare(image?.bytes ?? Buffer.alloc(0), PNG)).toBe(0)
      expect(await store.valueImage('r1', 'pic', 3)).toBeUndefined()
      expect(await store.valueImage('r1', 'note', 1)).toBeUndefined()
    })

    it('reads one key within a range, at most limit values', async () => {
      const store = await fresh()
      const records = [runRecord(1, { id: 'r1' })]
      for (let i = 0; i < 10; i++) records.push(valueRecord(i + 2, i * 10, 'note', 'markdown', { text: `step ${i * 10}` }))
      records.push(valueRecord(12, 5, 'other', 'markdown', { text: 'x' }))
      await store.ingest('w1', records)
      const steps = async (q: { key?: string; from?: number; to?: number; limit?: number }) =>
        (await store.readValues({ runId: 'r1', ...q })).map((v) => `${v.key}@${v.step}`)
      expect(await steps({ key: 'note', from: 20, to: 50 })).toEqual(['note@20', 'note@30', 'note@40', 'note@50'])
      expect(await steps({ key: 'note', from: 85 })).toEqual(['note@90'])
      expect(await steps({ limit: 2 })).toEqual(['note@0', 'note@10'])
      expect(await steps({ key: 'missing' })).toEqual([])
      expect(await codeOf(store.readValues({ runId: 'r1', limit: 0 }))).toBe('invalid_query')
      expect(await codeOf(store.readValues({ runId: 'r1', limit: 1001 }))).toBe('invalid_query')
      expect(await codeOf(store.readValues({ runId: 'r1', from: 5, to: 1 }))).toBe('invalid_query')
    })

    it('keeps the later of two values at one (key, step), in one call or across calls, and a replay once', async () => {
      const store = await fresh()
      const first = [
        runRecord(1, { id: 'r1' }),
        valueRecord(2, 3, 'k', 'markdown', { text: 'a' }),
        valueRecord(3, 3, 'k', 'markdown', { text: 'b' }),
      ]
      await store.ingest('w1', first)
      expect((await store.readValues({ runId: 'r1' })).map((v) => v.value)).toEqual([{ text: 'b' }])
      await store.ingest('w1', [valueRecord(4, 3, 'k', 'table', { columns: ['c'], rows: [[1]] })])
      // A replay of the first records is acknowledged and changes nothing.
      const ack = await store.ingest('w1', first)
      expect(ack.applied).toBe(0)
      const values = await store.readValues({ runId: 'r1' })
      expect(values.map((v) => [v.kind, v.value])).toEqual([['table', { columns: ['c'], rows: [[1]] }]])
      expect(await store.valueKeys('r1')).toEqual([{ key: 'k', kind: 'table', count: 1, lastStep: 3, steps: [3] }])
    })

    it('refuses values past their limits or of unknown kinds with spool_format, storing nothing of the call', async () => {
      const store = await fresh()
      await store.ingest('w1', [runRecord(1, { id: 'r1' })])
      const bad: SpoolRecord[] = [
        valueRecord(2, 0, 'k', 'histogram', { edges: [0, 1], counts: [1, 2] }),
        valueRecord(2, 0, 'k', 'image', { mime: 'image/png' }, Buffer.from('GIF89a')),
        valueRecord(2, 0, 'k', 'image', { mime: 'image/png' }),
        valueRecord(2, 0, 'k', 'video' as ValueKind, {}),
        valueRecord(2, 0, 'k', 'markdown', { text: 'x'.repeat(1024 * 1024 + 1) }),
        valueRecord(2, 0, '', 'markdown', { text: 'x' }),
        valueRecord(2, -1, 'k', 'markdown', { text: 'x' }),
      ]
      for (const record of bad) expect(await codeOf(store.ingest('w1', [record]))).toBe('spool_format')
      expect(await store.readValues({ runId: 'r1' })).toEqual([])
    })

    it('answers not_found for an unknown run, and deletes values with the run', async () => {
      const store = await fresh()
      await store.ingest('w1', [runRecord(1, { id: 'r1' }), valueRecord(2, 0, 'pic', 'image', { mime: 'image/png' }, PNG)])
      expect(await codeOf(store.readValues({ runId: 'nope' }))).toBe('not_found')
      expect(await codeOf(store.valueKeys('nope'))).toBe('not_found')
      expect(await codeOf(store.valueImage('nope', 'pic', 0))).toBe('not_found')
      await store.deleteRun('r1')
      expect(await codeOf(store.valueKeys('r1'))).toBe('not_found')
      await store.ingest('w2', [runRecord(1, { id: 'r2' })])
      expect(await store.valueKeys('r2')).toEqual([])
    })
  })
}
