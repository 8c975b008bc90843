import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeRecords, encodeEvent, encodePoints } from './codec.js'
import { KIND_EVENT, KIND_POINTS, MAGIC, type PointsBatch } from './format.js'
import { readSpoolFile } from './reader.js'
import { SpoolWriter } from './writer.js'

const batch = (): PointsBatch => ({
  keys: ['loss', 'train/acc ü', 'x'],
  steps: new Float64Array([0, 1, 2 ** 53 - 1]),
  times: new Float64Array([1.7e12, 1.7e12 + 1, 1.7e12 + 2]),
  counts: new Uint32Array([2, 1, 3]),
  keyIndex: new Uint32Array([0, 1, 0, 0, 1, 2]),
  values: new Float64Array([0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 5e-324]),
})

describe('spool codec', () => {
  it('round-trips points exactly, NaN and infinities included', () => {
    const buf = Buffer.concat([encodePoints(7, batch())])
    const { records, consumed, stop } = decodeRecords(buf)
    expect(stop).toBeUndefined()
    expect(consumed).toBe(buf.length)
    const r = records[0]
    expect(r?.kind).toBe(KIND_POINTS)
    if (r?.kind !== KIND_POINTS) return
    expect(r.seq).toBe(7)
    const b = batch()
    expect(r.points.keys).toEqual(b.keys)
    expect([...r.points.steps]).toEqual([...b.steps])
    expect([...r.points.counts]).toEqual([...b.counts])
    expect([...r.points.keyIndex]).toEqual([...b.keyIndex])
    for (let i = 0; i < b.values.length; i++) expect(Object.is(r.points.values[i], b.values[i])).toBe(true)
  })

  it('round-trips events, with non-finite numbers in them', () => {
    const buf = encodeEvent(3, { type: 'result', at: 1, key: 'best', value: Number.NEGATIVE_INFINITY })
    const [r] = decodeRecords(buf).records
    expect(r?.kind).toBe(KIND_EVENT)
    if (r?.kind === KIND_EVENT && r.event.type === 'result') expect(r.event.value).toBe(Number.NEGATIVE_INFINITY)
  })

  it('keeps records 8-aligned so float arrays are read in place', () => {
    const a = encodeEvent(1, { type: 'heartbeat', at: 5 })
    const b = encodePoints(2, batch())
    expect(a.length % 8).toBe(0)
    expect(b.length % 8).toBe(0)
  })

  it('stops at a torn tail and keeps everything before it', () => {
    const records = [encodeEvent(1, { type: 'heartbeat', at: 1 }), encodePoints(2, batch()), encodePoints(3, batch())]
    const whole = Buffer.concat(records)
    for (const cut of [1, 7, 8, 20, (records[2]?.length ?? 0) - 1]) {
      const torn = whole.subarray(0, whole.length - cut)
      const d = decodeRecords(torn)
      expect(d.records.map((r) => r.seq)).toEqual([1, 2])
      expect(d.stop).toBe('incomplete')
      expect(d.consumed).toBe((records[0]?.length ?? 0) + (records[1]?.length ?? 0))
    }
  })

  it('detects a damaged record by its checksum', () => {
    const whole = Buffer.concat([encodeEvent(1, { type: 'heartbeat', at: 1 }), encodePoints(2, batch())])
    const at = whole.length - 20
    whole[at] = (whole[at] ?? 0) ^ 0xff
    const d = decodeRecords(whole)
    expect(d.records.map((r) => r.seq)).toEqual([1])
    expect(d.stop).toBe('corrupt')
  })
})

describe('spool files', () => {
  it('writes a header and records that the reader reads back, and tolerates a torn tail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-spool-'))
    const w = new SpoolWriter(dir, 'run1', 'writer1')
    w.event({ type: 'heartbeat', at: 1 })
    w.points(batch())
    w.commit()
    w.points(batch())
    w.close()
    expect(readFileSync(w.path).subarray(0, 8).equals(MAGIC)).toBe(true)
    const all = readSpoolFile(w.path)
    expect(all.records.map((r) => r.seq)).toEqual([1, 2, 3])
    expect(all.nextOffset).toBe(all.size)
    truncateSync(w.path, all.size - 5)
    const torn = readSpoolFile(w.path)
    expect(torn.records.map((r) => r.seq)).toEqual([1, 2])
    expect(torn.stop).toBe('incomplete')
    // Resuming from the offset reads nothing new until the record is whole.
    expect(readSpoolFile(w.path, torn.nextOffset).records).toEqual([])
  })

  it('reads in bounded slices and still returns a record larger than the slice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-spool-'))
    const w = new SpoolWriter(dir, 'run1', 'writer1')
    for (let i = 0; i < 5; i++) w.points(batch())
    w.close()
    let offset = 0
    const seqs: number[] = []
    for (;;) {
      const r = readSpoolFile(w.path, offset, 64)
      seqs.push(...r.records.map((x) => x.seq))
      if (r.nextOffset >= r.size) break
      offset = r.nextOffset
    }
    expect(seqs).toEqual([1, 2, 3, 4, 5])
  })

  it('rejects a file that is not a spool file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-spool-'))
    const p = join(dir, 'x.tsp')
    writeFileSync(p, 'hello world, not a spool')
    expect(() => readSpoolFile(p)).toThrow(expect.objectContaining({ code: 'spool_format' }))
  })
})
