import { TallyError } from '@tally/sdk'
import { describe, expect, it } from 'vitest'
import {
  CHUNK_POINTS,
  chunkEnd,
  chunkLength,
  decodeChunk,
  decodeChunkColumns,
  encodeChunk,
  type PointColumns,
  valueStats,
} from './chunks.js'

function cols(steps: number[], times: number[], values: number[]): PointColumns {
  return { steps: Float64Array.from(steps), times: Float64Array.from(times), values: Float64Array.from(values) }
}

function bytesOf(a: Float64Array): number[] {
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
}

describe('chunks', () => {
  it('round-trips steps, times and values exactly, NaN, ±Infinity and -0 included', () => {
    const values = [1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1e-310, -Number.MAX_VALUE, Math.PI]
    const steps = values.map((_, i) => i * 3 + 7)
    const times = values.map((_, i) => 1_700_000_000_000 + i * 250)
    const c = cols(steps, times, values)
    const back = decodeChunkColumns(encodeChunk(c, 0, values.length))
    expect(Array.from(back.steps)).toEqual(steps)
    expect(Array.from(back.times)).toEqual(times)
    for (const [i, v] of back.values.entries()) expect(Object.is(v, values[i])).toBe(true)
  })

  it('keeps the exact bits of a NaN with a payload', () => {
    const values = new Float64Array(3)
    const view = new DataView(values.buffer)
    view.setUint32(0, 0x7ff80000 + 0x1234, true)
    view.setUint32(4, 0x7ff80000 | 0xabc, true)
    view.setFloat64(8, Number.NaN, true)
    values[2] = 42
    const c: PointColumns = { steps: Float64Array.from([0, 1, 2]), times: new Float64Array(3), values }
    const back = decodeChunkColumns(encodeChunk(c, 0, 3))
    expect(bytesOf(back.values)).toEqual(bytesOf(values))
  })

  it('handles steps up to 2^53 - 1 and gaps wider than 2^32', () => {
    const steps = [0, 1, 2 ** 32 + 5, 2 ** 40, 2 ** 53 - 2, 2 ** 53 - 1]
    const c = cols(
      steps,
      steps.map(() => 0),
      steps.map((s) => s / 2),
    )
    const back = decodeChunkColumns(encodeChunk(c, 0, steps.length))
    expect(Array.from(back.steps)).toEqual(steps)
  })

  it('stores times as whole milliseconds, going backwards as well as forwards', () => {
    const times = [1_700_000_000_000.4, 1_600_000_000_000, 1_700_000_000_123.6, 0, -5, 2 ** 49]
    const c = cols(
      times.map((_, i) => i),
      times,
      times.map(() => 1),
    )
    const back = decodeChunkColumns(encodeChunk(c, 0, times.length))
    expect(Array.from(back.times)).toEqual(times.map((t) => Math.round(t)))
  })

  it('encodes a slice, and decodes into larger arrays at an offset', () => {
    const n = 50
    const c = cols(
      Array.from({ length: n }, (_, i) => i * 2),
      Array.from({ length: n }, (_, i) => 1000 + i),
      Array.from({ length: n }, (_, i) => i / 7),
    )
    const blob = encodeChunk(c, 10, 30)
    expect(chunkLength(blob)).toBe(20)
    const out = { steps: new Float64Array(25), times: new Float64Array(25), values: new Float64Array(25) }
    expect(decodeChunk(blob, out, 5)).toBe(20)
    expect(Array.from(out.steps.subarray(5))).toEqual(Array.from(c.steps.subarray(10, 30)))
    expect(Array.from(out.values.subarray(5))).toEqual(Array.from(c.values.subarray(10, 30)))
    expect(Array.from(out.times.subarray(5))).toEqual(Array.from(c.times.subarray(10, 30)))
    // Without a times array, only steps and values are decoded.
    const partial = { steps: new Float64Array(20), values: new Float64Array(20) }
    expect(decodeChunk(blob, partial, 0)).toBe(20)
    expect(Array.from(partial.values)).toEqual(Array.from(c.values.subarray(10, 30)))
  })

  it('takes about 11 bytes per point for a dense series logged every quarter second', () => {
    const n = CHUNK_POINTS
    const c = cols(
      Array.from({ length: n }, (_, i) => i),
      Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 250 + (i % 3)),
      Array.from({ length: n }, () => Math.random()),
    )
    expect(encodeChunk(c, 0, n).length / n).toBeLessThanOrEqual(11.1)
  })

  it('cuts chunks at the highest power-of-two step boundary within reach', () => {
    const dense = (first: number, n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => first + i)
    const cuts = (steps: Float64Array): number[] => {
      const out: number[] = []
      for (let a = 0; a < steps.length; a = chunkEnd(steps, a, steps.length)) out.push(steps[a] as number)
      return out
    }
    expect(chunkEnd(dense(0, 1000), 0, 1000)).toBe(1000)
    // Dense from 0: full chunks on multiples of 1024.
    expect(cuts(dense(0, 5000))).toEqual([0, 1024, 2048, 3072, 4096])
    // Dense from 1: the first chunk stops short so that all later ones are aligned.
    expect(cuts(dense(1, 5000))).toEqual([1, 1024, 2048, 3072, 4096])
    // Every 10th step: chunks of at least 512 points, edges on multiples of 8192.
    const sparse = Float64Array.from({ length: 5000 }, (_, i) => i * 10)
    const edges = cuts(sparse).slice(1)
    for (const e of edges) expect(e % 8192).toBeLessThan(10)
    // Near 2^53 the boundaries are found as well.
    const top = dense(2 ** 52 - 600, 2000)
    expect(cuts(top)[1]).toBe(2 ** 52)
  })

  it('refuses an empty or oversized chunk', () => {
    const c = cols(
      Array.from({ length: CHUNK_POINTS + 1 }, (_, i) => i),
      new Array(CHUNK_POINTS + 1).fill(0),
      new Array(CHUNK_POINTS + 1).fill(0),
    )
    expect(() => encodeChunk(c, 0, CHUNK_POINTS + 1)).toThrow(RangeError)
    expect(() => encodeChunk(c, 3, 3)).toThrow(RangeError)
  })

  it('reports a damaged chunk as store_unavailable', () => {
    const c = cols([1, 2, 3], [0, 0, 0], [1, 2, 3])
    const blob = encodeChunk(c, 0, 3)
    const truncated = blob.subarray(0, blob.length - 1)
    expect(() => decodeChunkColumns(truncated)).toThrow(TallyError)
    const badVersion = Buffer.from(blob)
    badVersion[0] = 9
    expect(() => decodeChunkColumns(badVersion)).toThrow(expect.objectContaining({ code: 'store_unavailable' }))
  })

  it('computes min and max ignoring NaN, and the last value', () => {
    const v = Float64Array.from([Number.NaN, 3, -1, Number.NaN, 2])
    expect(valueStats(v, 0, 5)).toEqual({ min: -1, max: 3, last: 2 })
    const s = valueStats(Float64Array.from([Number.NaN, Number.NaN]), 0, 2)
    expect([s.min, s.max, s.last]).toEqual([Number.NaN, Number.NaN, Number.NaN])
    expect(valueStats(Float64Array.from([Number.NEGATIVE_INFINITY, 1, Number.POSITIVE_INFINITY]), 0, 3)).toEqual({
      min: Number.NEGATIVE_INFINITY,
      max: Number.POSITIVE_INFINITY,
      last: Number.POSITIVE_INFINITY,
    })
  })
})
