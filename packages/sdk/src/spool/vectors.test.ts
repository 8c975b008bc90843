/**
 * The shared spool test vectors (test-fixtures/spool-vectors): the TypeScript codec must write
 * each description to exactly the bytes beside it, and read those bytes back to it. The Python
 * client checks the same files (clients/python/tests/test_spool_vectors.py), so both clients
 * write the same bytes.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { type JsonValue, untagNonFinite } from '../json.js'
import { decodeRecords, encodeEvent, encodeHeader, encodePoints } from './codec.js'
import { KIND_EVENT, MAGIC, type PointsBatch, type SpoolEvent } from './format.js'

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../../test-fixtures/spool-vectors')

interface VectorRecord {
  seq: number
  event?: JsonValue
  points?: { keys: string[]; steps: number[]; times: number[]; counts: number[]; keyIndex: number[]; values: number[] }
}

function batchOf(points: JsonValue): PointsBatch {
  const p = untagNonFinite(points) as unknown as NonNullable<VectorRecord['points']>
  return {
    keys: p.keys,
    steps: Float64Array.from(p.steps),
    times: Float64Array.from(p.times),
    counts: Uint32Array.from(p.counts),
    keyIndex: Uint32Array.from(p.keyIndex),
    values: Float64Array.from(p.values),
  }
}

const names = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))

describe('shared spool test vectors', () => {
  it('has vectors to check', () => {
    expect(names).toEqual(expect.arrayContaining(['events', 'points']))
  })

  for (const name of names) {
    const records = (JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as { records: VectorRecord[] }).records
    const bytes = readFileSync(join(dir, `${name}.tsp`))

    it(`${name}: encodes to the exact bytes`, () => {
      const parts = [encodeHeader()]
      for (const r of records) {
        parts.push(
          r.event !== undefined
            ? encodeEvent(r.seq, untagNonFinite(r.event) as unknown as SpoolEvent)
            : encodePoints(r.seq, batchOf(r.points as unknown as JsonValue)),
        )
      }
      expect(Buffer.concat(parts).equals(bytes)).toBe(true)
    })

    it(`${name}: decodes back to the description`, () => {
      expect(bytes.subarray(0, MAGIC.length).equals(MAGIC)).toBe(true)
      const decoded = decodeRecords(bytes.subarray(MAGIC.length))
      expect(decoded.stop).toBeUndefined()
      expect(decoded.records.map((r) => r.seq)).toEqual(records.map((r) => r.seq))
      decoded.records.forEach((got, i) => {
        const want = records[i] as VectorRecord
        if (got.kind === KIND_EVENT) {
          expect(got.event).toEqual(untagNonFinite(want.event as JsonValue))
          return
        }
        const w = batchOf(want.points as unknown as JsonValue)
        expect(got.points.keys).toEqual(w.keys)
        expect([...got.points.steps]).toEqual([...w.steps])
        expect([...got.points.times]).toEqual([...w.times])
        expect([...got.points.counts]).toEqual([...w.counts])
        expect([...got.points.keyIndex]).toEqual([...w.keyIndex])
        // Object.is tells -0 from 0 and NaN from everything: bit-for-bit kept.
        expect(got.points.values.length).toBe(w.values.length)
        w.values.forEach((v, j) => {
          expect(Object.is(got.points.values[j], v)).toBe(true)
        })
      })
    })
  }
})
