/**
 * The chunk format: up to CHUNK_POINTS points of one series in one blob, shared by every
 * backend. Pure functions over typed arrays; nothing here knows about a database.
 *
 *   chunk  = version:u8 (1)  n:varint  values  steps  times
 *   values = n × float64 LE, the exact bits (NaN, ±Infinity kept)
 *   steps  = first:varint  (step[i] - step[i-1]):varint × (n-1)      steps sorted, unique
 *   times  = zigzag(first):varint  zigzag(t[i] - t[i-1]):varint × (n-1)   integer ms
 *
 * Varints are little-endian base 128. Numbers up to 2^53 are handled with arithmetic, not
 * 32-bit bitwise operators, so steps near Number.MAX_SAFE_INTEGER survive.
 */
import { TallyError } from '@tally/sdk'

/** The most points one chunk holds. */
export const CHUNK_POINTS = 1024
/** The largest step: steps are integers in [0, 2^53). */
export const MAX_STEP = Number.MAX_SAFE_INTEGER

const VERSION = 1
/** Times are clamped to ±2^50 ms (35,000 years) so zigzag deltas stay below 2^53. */
const TIME_LIMIT = 2 ** 50
/** Worst case per point: 8 value bytes, 8 for a step delta, 8 for a zigzag time delta. */
const MAX_POINT_BYTES = 24
const MAX_HEADER_BYTES = 8

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Column-wise points, the shape chunks are written from and read into. */
export interface PointColumns {
  steps: Float64Array
  times: Float64Array
  values: Float64Array
}

/** Zero-filled columns for n points. */
export function pointColumns(n: number): PointColumns {
  return { steps: new Float64Array(n), times: new Float64Array(n), values: new Float64Array(n) }
}

/** A copy of `a` in a new array of `size` (at least a.length) elements, for columns that grow. */
export function grown(a: Float64Array, size: number): Float64Array {
  const b = new Float64Array(size)
  b.set(a)
  return b
}

/**
 * Where a chunk that begins at index `start` of sorted `steps` should end (exclusive), the
 * points up to `end` being known. At most CHUNK_POINTS points; when more remain, the cut
 * goes between CHUNK_POINTS / 2 and CHUNK_POINTS points, at the step boundary of the highest
 * power of two in reach (the fuller chunk on a tie). Chunk edges then sit on bucket edges,
 * so a bucketed read takes most chunks whole from their stats instead of decoding them.
 */
export function chunkEnd(steps: Float64Array, start: number, end: number): number {
  if (end - start <= CHUNK_POINTS) return end
  let best = start + CHUNK_POINTS
  let bestOrder = -1
  for (let c = start + CHUNK_POINTS; c >= start + CHUNK_POINTS / 2; c--) {
    const order = boundaryOrder(steps[c - 1] as number, steps[c] as number)
    if (order > bestOrder) {
      best = c
      bestOrder = order
    }
  }
  return best
}

/** The largest k such that a multiple of 2^k lies in (a, b], for integers 0 <= a < b < 2^53. */
function boundaryOrder(a: number, b: number): number {
  const TWO_32 = 4294967296
  const ah = Math.floor(a / TWO_32)
  const bh = Math.floor(b / TWO_32)
  // XOR works on 32 bits at a time: the high halves first, then the low ones.
  if (ah !== bh) return 63 - Math.clz32(ah ^ bh)
  return 31 - Math.clz32((a % TWO_32) ^ (b % TWO_32))
}

/** Per-chunk statistics, kept beside the blob so reads can often skip decoding it. */
export interface ValueStats {
  /** Smallest non-NaN value, or NaN when every value is NaN. */
  min: number
  /** Largest non-NaN value, or NaN when every value is NaN. */
  max: number
  /** The value at the highest step. */
  last: number
}

let scratch = new Uint8Array(MAX_HEADER_BYTES + CHUNK_POINTS * MAX_POINT_BYTES)

function writeVarint(buf: Uint8Array, p: number, v: number): number {
  let x = v
  while (x > 0x7fffffff) {
    buf[p++] = (x % 0x80) | 0x80
    x = Math.floor(x / 0x80)
  }
  while (x >= 0x80) {
    buf[p++] = (x & 0x7f) | 0x80
    x >>>= 7
  }
  buf[p++] = x
  return p
}

const zigzag = (v: number): number => (v < 0 ? -2 * v - 1 : 2 * v)
const unzigzag = (u: number): number => (u % 2 === 1 ? -(u + 1) / 2 : u / 2)

/** A point's time as a chunk stores it: whole milliseconds within ±2^50. */
export function storedTime(t: number): number {
  if (Number.isNaN(t)) return 0
  return Math.round(Math.min(TIME_LIMIT, Math.max(-TIME_LIMIT, t)))
}

/**
 * Encode points [start, end) of `cols` as one chunk. Steps must be integers in [0, 2^53),
 * strictly increasing; times are rounded to whole milliseconds.
 */
export function encodeChunk(cols: PointColumns, start: number, end: number): Buffer {
  const n = end - start
  if (n < 1 || n > CHUNK_POINTS) throw new RangeError(`a chunk holds 1..${CHUNK_POINTS} points, not ${n}`)
  const { steps, times, values } = cols
  const need = MAX_HEADER_BYTES + n * MAX_POINT_BYTES
  if (scratch.length < need) scratch = new Uint8Array(need)
  const buf = scratch
  buf[0] = VERSION
  let p = writeVarint(buf, 1, n)
  if (LITTLE_ENDIAN) {
    buf.set(new Uint8Array(values.buffer, values.byteOffset + start * 8, n * 8), p)
  } else {
    const view = new DataView(buf.buffer, buf.byteOffset)
    for (let i = 0; i < n; i++) view.setFloat64(p + i * 8, values[start + i] as number, true)
  }
  p += n * 8
  let prev = steps[start] as number
  p = writeVarint(buf, p, prev)
  for (let i = start + 1; i < end; i++) {
    const s = steps[i] as number
    p = writeVarint(buf, p, s - prev)
    prev = s
  }
  let prevTime = storedTime(times[start] as number)
  p = writeVarint(buf, p, zigzag(prevTime))
  for (let i = start + 1; i < end; i++) {
    const t = storedTime(times[i] as number)
    p = writeVarint(buf, p, zigzag(t - prevTime))
    prevTime = t
  }
  const out = Buffer.allocUnsafe(p)
  out.set(buf.subarray(0, p))
  return out
}

function corrupt(why: string): TallyError {
  return new TallyError(
    'store_unavailable',
    `a stored chunk is damaged (${why}); restore the database from a backup or re-ingest the spool`,
  )
}

/** How many points a chunk holds, read from its header. */
export function chunkLength(data: Uint8Array): number {
  if (data[0] !== VERSION) throw corrupt(`unknown chunk version ${data[0]}`)
  return readHeader(data).n
}

function readHeader(data: Uint8Array): { n: number; p: number } {
  let p = 1
  let n = 0
  let mul = 1
  let b: number
  do {
    b = data[p++] as number
    n += (b & 0x7f) * mul
    mul *= 0x80
  } while (b >= 0x80 && p < MAX_HEADER_BYTES)
  return { n, p }
}

/**
 * Decode a chunk into `out` starting at index `at`; returns the number of points. Times are
 * decoded only when `out.times` is given (bucketed reads do not need them).
 */
export function decodeChunk(
  data: Uint8Array,
  out: { steps: Float64Array; values: Float64Array; times?: Float64Array },
  at: number,
): number {
  if (data[0] !== VERSION) throw corrupt(`unknown chunk version ${data[0]}`)
  const header = readHeader(data)
  const n = header.n
  let p = header.p
  // Every step and time takes at least one byte beside the value's eight.
  if (n < 1 || n > CHUNK_POINTS || p + n * 10 > data.length) throw corrupt('bad length')
  if (at + n > out.steps.length || at + n > out.values.length) throw new RangeError('decodeChunk: output arrays are too short')
  const { steps, values, times } = out
  if (LITTLE_ENDIAN) {
    new Uint8Array(values.buffer, values.byteOffset + at * 8, n * 8).set(data.subarray(p, p + n * 8))
  } else {
    const view = new DataView(data.buffer, data.byteOffset)
    for (let i = 0; i < n; i++) values[at + i] = view.getFloat64(p + i * 8, true)
  }
  p += n * 8
  // The varint reads below are written out in both loops rather than shared through a
  // function on purpose: this is the hot loop of every series read.
  let step = 0
  for (let i = 0; i < n; i++) {
    let b = data[p++] as number
    let v = b & 0x7f
    if (b >= 0x80) {
      let mul = 0x80
      do {
        b = data[p++] as number
        v += (b & 0x7f) * mul
        mul *= 0x80
      } while (b >= 0x80)
    }
    step += v
    steps[at + i] = step
  }
  if (times === undefined) {
    if (p + n > data.length || Number.isNaN(step)) throw corrupt('bad length')
    return n
  }
  if (at + n > times.length) throw new RangeError('decodeChunk: output arrays are too short')
  let time = 0
  for (let i = 0; i < n; i++) {
    let b = data[p++] as number
    let v = b & 0x7f
    if (b >= 0x80) {
      let mul = 0x80
      do {
        b = data[p++] as number
        v += (b & 0x7f) * mul
        mul *= 0x80
      } while (b >= 0x80)
    }
    // Bitwise zigzag while v fits 31 bits (nearly always); arithmetic beyond.
    time += v < 0x80000000 ? (v >>> 1) ^ -(v & 1) : unzigzag(v)
    times[at + i] = time
  }
  if (p !== data.length || Number.isNaN(step) || Number.isNaN(time)) throw corrupt('bad length')
  return n
}

/** Decode a whole chunk into new arrays. */
export function decodeChunkColumns(data: Uint8Array): PointColumns {
  const n = chunkLength(data)
  const cols = { steps: new Float64Array(n), times: new Float64Array(n), values: new Float64Array(n) }
  decodeChunk(data, cols, 0)
  return cols
}

/** Chunks of one series, in step order, decoded into one set of columns. */
export function decodeChunks(blobs: readonly Uint8Array[]): PointColumns {
  let n = 0
  for (const b of blobs) n += chunkLength(b)
  const cols = pointColumns(n)
  let at = 0
  for (const b of blobs) at += decodeChunk(b, cols, at)
  return cols
}

/** Merge sorted, unique-step `cols` into sorted, unique-step `old`, the new point winning at an equal step. */
export function mergePoints(old: PointColumns, cols: PointColumns): PointColumns {
  const had = old.steps.length
  const m = cols.steps.length
  const out = pointColumns(had + m)
  let i = 0
  let j = 0
  let n = 0
  while (i < had || j < m) {
    const so = i < had ? (old.steps[i] as number) : Number.POSITIVE_INFINITY
    const sn = j < m ? (cols.steps[j] as number) : Number.POSITIVE_INFINITY
    const src = sn <= so ? cols : old
    const k = sn <= so ? j++ : i++
    if (sn === so) i++
    out.steps[n] = src.steps[k] as number
    out.times[n] = src.times[k] as number
    out.values[n++] = src.values[k] as number
  }
  return { steps: out.steps.subarray(0, n), times: out.times.subarray(0, n), values: out.values.subarray(0, n) }
}

/** min and max ignoring NaN (NaN when all are NaN), and the last value, of values[start, end). */
export function valueStats(values: Float64Array, start: number, end: number): ValueStats {
  let min = Number.NaN
  let max = Number.NaN
  for (let i = start; i < end; i++) {
    const v = values[i] as number
    // NaN fails every comparison, so a NaN value never replaces and a NaN min/max always is.
    if (!(v >= min) && !Number.isNaN(v)) min = v
    if (!(v <= max) && !Number.isNaN(v)) max = v
  }
  return { min, max, last: values[end - 1] as number }
}
