import { crc32 } from 'node:zlib'
import { TallyError } from '../errors.js'
import { type JsonValue, tagNonFinite, untagNonFinite } from '../json.js'
import {
  BODY_HEADER_BYTES,
  KIND_EVENT,
  KIND_POINTS,
  MAGIC,
  MAX_BODY_BYTES,
  type PointsBatch,
  RECORD_HEADER_BYTES,
  type SpoolEvent,
  type SpoolRecord,
} from './format.js'

const POINTS_HEADER_BYTES = 16

const pad8 = (n: number): number => (n + 7) & ~7

function frame(seq: number, kind: number, payloadBytes: number): { buf: Buffer; payload: number } {
  const bodyLength = pad8(BODY_HEADER_BYTES + payloadBytes)
  if (bodyLength > MAX_BODY_BYTES) {
    throw new TallyError('spool_io', `a spool record of ${bodyLength} bytes exceeds the ${MAX_BODY_BYTES}-byte limit`)
  }
  // alloc (zero-filled) so that padding and reserved bytes are always zero.
  const buf = Buffer.alloc(RECORD_HEADER_BYTES + bodyLength)
  buf.writeUInt32LE(bodyLength, 0)
  buf.writeBigUInt64LE(BigInt(seq), 8)
  buf.writeUInt8(kind, 16)
  return { buf, payload: RECORD_HEADER_BYTES + BODY_HEADER_BYTES }
}

function seal(buf: Buffer): Buffer {
  buf.writeUInt32LE(crc32(buf.subarray(RECORD_HEADER_BYTES)), 4)
  return buf
}

/** Encode a JSON event record. Non-finite numbers inside it are tagged (see json.ts). */
export function encodeEvent(seq: number, event: SpoolEvent): Buffer {
  const json = Buffer.from(JSON.stringify(tagNonFinite(event as unknown as JsonValue)), 'utf8')
  const { buf, payload } = frame(seq, KIND_EVENT, 8 + json.length)
  buf.writeUInt32LE(json.length, payload)
  json.copy(buf, payload + 8)
  return seal(buf)
}

/** Encode a points record; the arrays may be subarrays of larger buffers. */
export function encodePoints(seq: number, batch: PointsBatch): Buffer {
  const nRows = batch.steps.length
  const nPoints = batch.values.length
  const keyBufs = batch.keys.map((k) => Buffer.from(k, 'utf8'))
  let keyBytes = 0
  for (const k of keyBufs) keyBytes += 2 + k.length
  const payloadBytes = POINTS_HEADER_BYTES + nRows * 20 + nPoints * 12 + keyBytes
  const { buf, payload } = frame(seq, KIND_POINTS, payloadBytes)
  buf.writeUInt32LE(nRows, payload)
  buf.writeUInt32LE(nPoints, payload + 4)
  buf.writeUInt32LE(keyBufs.length, payload + 8)
  buf.writeUInt32LE(keyBytes, payload + 12)
  let at = payload + POINTS_HEADER_BYTES
  const put = (a: Float64Array | Uint32Array): void => {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
    buf.set(bytes, at)
    at += a.byteLength
  }
  put(batch.steps)
  put(batch.times)
  put(batch.values)
  put(batch.counts)
  put(batch.keyIndex)
  for (const k of keyBufs) {
    buf.writeUInt16LE(k.length, at)
    k.copy(buf, at + 2)
    at += 2 + k.length
  }
  return seal(buf)
}

/** The file header every spool file starts with. */
export function encodeHeader(): Buffer {
  return Buffer.from(MAGIC)
}

export function hasMagic(buf: Buffer): boolean {
  return buf.length >= MAGIC.length && buf.subarray(0, MAGIC.length).equals(MAGIC)
}

/** Why decoding stopped before the end of the bytes it was given. */
export type StopReason =
  /** The bytes end inside a record: a writer is still appending, or died mid-write. */
  | 'incomplete'
  /** A record's checksum or framing is wrong: a torn or damaged tail. */
  | 'corrupt'

export interface DecodeResult {
  records: SpoolRecord[]
  /** Bytes consumed: the offset just past the last whole, valid record. */
  consumed: number
  stop?: StopReason
  detail?: string
}

function f64(buf: Buffer, at: number, n: number): Float64Array {
  const offset = buf.byteOffset + at
  if (offset % 8 === 0) return new Float64Array(buf.buffer, offset, n)
  const out = new Float64Array(n)
  new Uint8Array(out.buffer).set(buf.subarray(at, at + n * 8))
  return out
}

function u32(buf: Buffer, at: number, n: number): Uint32Array {
  const offset = buf.byteOffset + at
  if (offset % 4 === 0) return new Uint32Array(buf.buffer, offset, n)
  const out = new Uint32Array(n)
  new Uint8Array(out.buffer).set(buf.subarray(at, at + n * 4))
  return out
}

function decodePoints(buf: Buffer, at: number, end: number): PointsBatch {
  if (at + POINTS_HEADER_BYTES > end) throw new Error('points header past the record end')
  const nRows = buf.readUInt32LE(at)
  const nPoints = buf.readUInt32LE(at + 4)
  const nKeys = buf.readUInt32LE(at + 8)
  const keyBytes = buf.readUInt32LE(at + 12)
  let p = at + POINTS_HEADER_BYTES
  if (p + nRows * 20 + nPoints * 12 + keyBytes > end) throw new Error('points arrays past the record end')
  const steps = f64(buf, p, nRows)
  p += nRows * 8
  const times = f64(buf, p, nRows)
  p += nRows * 8
  const values = f64(buf, p, nPoints)
  p += nPoints * 8
  const counts = u32(buf, p, nRows)
  p += nRows * 4
  const keyIndex = u32(buf, p, nPoints)
  p += nPoints * 4
  const keys: string[] = []
  for (let i = 0; i < nKeys; i++) {
    const len = buf.readUInt16LE(p)
    keys.push(buf.toString('utf8', p + 2, p + 2 + len))
    p += 2 + len
  }
  let total = 0
  for (let r = 0; r < nRows; r++) total += counts[r] ?? 0
  if (total !== nPoints) throw new Error(`row counts add up to ${total}, not ${nPoints}`)
  for (let i = 0; i < nPoints; i++) if ((keyIndex[i] ?? 0) >= nKeys) throw new Error('key index out of range')
  return { keys, steps, times, counts, keyIndex, values }
}

/**
 * Decode the records in `buf`, which must begin at a record boundary. Stops at the first
 * record that is incomplete or damaged and reports why; everything before it is returned.
 * For float arrays to be viewed in place rather than copied, `buf` should start 8-aligned.
 */
export function decodeRecords(buf: Buffer): DecodeResult {
  const records: SpoolRecord[] = []
  let pos = 0
  while (pos < buf.length) {
    if (buf.length - pos < RECORD_HEADER_BYTES) return { records, consumed: pos, stop: 'incomplete' }
    const length = buf.readUInt32LE(pos)
    if (length < BODY_HEADER_BYTES || length % 8 !== 0 || length > MAX_BODY_BYTES) {
      return { records, consumed: pos, stop: 'corrupt', detail: `bad record length ${length}` }
    }
    const bodyStart = pos + RECORD_HEADER_BYTES
    const end = bodyStart + length
    if (end > buf.length) return { records, consumed: pos, stop: 'incomplete' }
    if (crc32(buf.subarray(bodyStart, end)) !== buf.readUInt32LE(pos + 4)) {
      return { records, consumed: pos, stop: 'corrupt', detail: 'checksum mismatch' }
    }
    const seq = Number(buf.readBigUInt64LE(bodyStart))
    const kind = buf.readUInt8(bodyStart + 8)
    const payload = bodyStart + BODY_HEADER_BYTES
    try {
      if (kind === KIND_EVENT) {
        const n = buf.readUInt32LE(payload)
        if (payload + 8 + n > end) throw new Error('event past the record end')
        const event = untagNonFinite(JSON.parse(buf.toString('utf8', payload + 8, payload + 8 + n))) as unknown as SpoolEvent
        if (typeof event !== 'object' || event === null || typeof event.type !== 'string') throw new Error('event without a type')
        records.push({ seq, kind: KIND_EVENT, event })
      } else if (kind === KIND_POINTS) {
        records.push({ seq, kind: KIND_POINTS, points: decodePoints(buf, payload, end) })
      } else {
        throw new Error(`unknown record kind ${kind}`)
      }
    } catch (e) {
      return { records, consumed: pos, stop: 'corrupt', detail: (e as Error).message }
    }
    pos = end
  }
  return { records, consumed: pos }
}
