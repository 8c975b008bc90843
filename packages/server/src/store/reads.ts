/**
 * Series reads as every backend answers them: the query checked before anything is read,
 * the steps a raw read covers and the cursor it answers with, and a bucketed read filled
 * chunk by chunk. Pure; the backends fetch the chunks.
 */
import { TallyError } from '@tally/sdk'
import { parseTagged, type ValueKind } from '@tally/sdk/spool'
import { BucketBuilder, type Buckets, bucketCount, bucketWidth, lowerBound, MAX_BUCKETS } from './buckets.js'
import { CHUNK_POINTS, decodeChunk, MAX_STEP, type PointColumns, pointColumns } from './chunks.js'
import { invalidQuery } from './errors.js'
import { parseObject } from './rows.js'
import type {
  BucketQuery,
  ConsoleLineInfo,
  ConsoleQuery,
  MetadataQuery,
  PointMetadata,
  RunValueInfo,
  SeriesQuery,
  ValueKeyInfo,
  ValueQuery,
} from './store.js'

/** Chunks per ExportChunk: an export reads whole chunks, up to 64 × CHUNK_POINTS points at a time. */
export const EXPORT_CHUNKS = 64

/** Inclusive step range. */
export interface StepRange {
  from: number
  to: number
}

/** What a series row tells a read. */
export interface SeriesExtent {
  count: number
  first_step: number
  last_step: number
  /** How many times points at or before the end were replaced: a cursor from before is stale. */
  rewrites: number
}

/** from/to of a series read: steps (integers of 0 or more), from <= to; missing ones open. */
export function parseRange(from: unknown, to: unknown): StepRange {
  for (const [name, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
      throw invalidQuery(`${name} must be a step, an integer of 0 or more, not ${String(v)}`)
    }
  }
  const f = (from as number | undefined) ?? 0
  const t = (to as number | undefined) ?? MAX_STEP
  if (f > t) throw invalidQuery(`from (${f}) must not be greater than to (${t})`)
  return { from: Math.min(MAX_STEP, f), to: Math.min(MAX_STEP, t) }
}

const CURSOR = /^r(\d{1,16})s(-1|\d{1,16})$/

interface Cursor {
  rewrites: number
  /** The last step an earlier answer covered; -1 for none. */
  position: number
}

export function formatCursor(rewrites: number, position: number): string {
  return `r${rewrites}s${position}`
}

export function parseCursor(cursor: unknown): Cursor {
  const m = typeof cursor === 'string' ? CURSOR.exec(cursor) : null
  const rewrites = Number(m?.[1])
  const position = Number(m?.[2])
  if (m === null || !Number.isSafeInteger(rewrites) || !Number.isSafeInteger(position)) {
    throw new TallyError(
      'invalid_cursor',
      'the since cursor is malformed; pass the cursor of an earlier answer, or leave since out to read everything',
    )
  }
  return { rewrites, position }
}

/** A raw read (`Store.readSeries`) checked before anything is read: its steps and where it picks up. */
export interface CheckedSeriesQuery {
  range: StepRange
  since: Cursor | undefined
}

export function checkSeriesQuery(query: SeriesQuery): CheckedSeriesQuery {
  const range = parseRange(query.from, query.to)
  return { range, since: query.since === undefined ? undefined : parseCursor(query.since) }
}

/**
 * The steps [lo, hi] a raw read takes from the series (none when lo > hi), and what its
 * answer carries: the cursor for the next `since` read, and whether the series was rewritten.
 */
export function rawWindow(
  { range, since }: CheckedSeriesQuery,
  s: SeriesExtent,
): { lo: number; hi: number; cursor: string; reset: boolean } {
  const reset = since !== undefined && since.rewrites !== s.rewrites
  // Seen up to here already (-1: nothing); a reset or a first read starts over.
  const seen = since !== undefined && !reset ? since.position : -1
  const hi = Math.min(range.to, s.last_step)
  // The cursor stands at the end of what this answer covered, so a later read with a
  // wider `to` still gets the points beyond this one's.
  const position = Math.max(hi, seen)
  return { lo: Math.max(range.from, seen + 1), hi, cursor: formatCursor(s.rewrites, position), reset }
}

/** The points of `cols` (decoded chunks, in step order) with steps in [lo, hi]. */
export function pointsWithin(cols: PointColumns, lo: number, hi: number): PointColumns {
  const a = lowerBound(cols.steps, lo)
  const b = lowerBound(cols.steps, hi + 1, a)
  if (a === 0 && b === cols.steps.length) return cols
  return { steps: cols.steps.slice(a, b), times: cols.times.slice(a, b), values: cols.values.slice(a, b) }
}

/** Where bucketed reads decode a chunk. Used within one synchronous call. */
const scratch = pointColumns(CHUNK_POINTS)

/** A bucketed read (`Store.readBuckets`) checked before anything is read; returns its step range. */
export function checkBucketQuery(query: BucketQuery): StepRange {
  const { buckets } = query
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
    throw invalidQuery(`buckets must be an integer from 1 to ${MAX_BUCKETS}, not ${String(buckets)}`)
  }
  return parseRange(query.from, query.to)
}

/** A bucketed read of one series, filled chunk by chunk. */
export class BucketRead {
  /** The steps to read; none when lo > hi. */
  readonly lo: number
  readonly hi: number
  readonly width: number
  private readonly builder: BucketBuilder

  constructor(query: BucketQuery, range: StepRange, s: SeriesExtent) {
    this.lo = query.from === undefined ? s.first_step : range.from
    this.hi = Math.min(range.to, s.last_step)
    const end = Math.max(this.lo, query.to === undefined ? s.last_step : range.to)
    this.width = bucketWidth(this.lo, end, query.buckets)
    this.builder = new BucketBuilder(this.width, Math.min(s.count, bucketCount(this.lo, end, this.width)))
  }

  /**
   * A stored chunk overlapping [lo, hi], in step order, with its stats (NaN where none). Its
   * blob may be null when the chunk lies inside the range and inside one bucket and its
   * last point's time is stored (`lastTime` not null): its stats are then the bucket's.
   * Chunks written before that time was kept have it null and are decoded.
   */
  addChunk(
    first: number,
    last: number,
    n: number,
    min: number,
    max: number,
    lastValue: number,
    lastTime: number | null,
    data: Uint8Array | null,
  ): void {
    if (last < this.lo) return
    if (data === null) {
      this.builder.addBlock(first, last, n, min, max, lastValue, lastTime ?? Number.NaN)
      return
    }
    const k = decodeChunk(data, scratch, 0)
    const a = lowerBound(scratch.steps, this.lo, 0, k)
    this.builder.addPoints(scratch.steps, scratch.values, scratch.times, a, lowerBound(scratch.steps, this.hi + 1, a, k))
  }

  finish(): Buckets {
    return this.builder.finish()
  }
}

/** A metadata read, checked: the key (null: every key), the step range, and how many at most. */
export interface CheckedMetadataQuery {
  key: string | null
  lo: number
  hi: number
  limit: number
}

export function checkMetadataQuery(query: MetadataQuery): CheckedMetadataQuery {
  const range = parseRange(query.from, query.to)
  const limit = query.limit ?? 1000
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw invalidQuery('limit must be an integer from 1 to 10000')
  if (query.key !== undefined && typeof query.key !== 'string') throw invalidQuery('key must be a string')
  return { key: query.key ?? null, lo: range.from, hi: range.to, limit }
}

export interface CheckedConsoleQuery {
  /** Forward from `after`, or backward from `before`. */
  after: number
  before: number | undefined
  limit: number
}

const isSeq = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0

export function checkConsoleQuery(query: ConsoleQuery): CheckedConsoleQuery {
  const limit = query.limit ?? 1000
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw invalidQuery('limit must be an integer from 1 to 10000')
  if (query.after !== undefined && !isSeq(query.after)) throw invalidQuery('after must be a line seq, an integer ≥ 0')
  if (query.before !== undefined && !isSeq(query.before)) throw invalidQuery('before must be a line seq, an integer ≥ 0')
  if (query.after !== undefined && query.before !== undefined)
    throw invalidQuery('give after (newer lines) or before (earlier lines), not both')
  return { after: query.after ?? 0, before: query.before, limit }
}

/** A stored console line as the API answers it. */
export function consoleLine(row: {
  seq: number | string
  stream: string
  at: number
  text: string
  truncated: number | boolean
}): ConsoleLineInfo {
  const line: ConsoleLineInfo = {
    seq: Number(row.seq),
    stream: row.stream === 'stderr' ? 'stderr' : 'stdout',
    at: Number(row.at),
    text: row.text,
  }
  if (row.truncated) line.truncated = true
  return line
}

/** A values read, checked: the key (null: every key), the step range, and how many at most. */
export function checkValueQuery(query: ValueQuery): CheckedMetadataQuery {
  const range = parseRange(query.from, query.to)
  const limit = query.limit ?? 100
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidQuery('limit must be an integer from 1 to 1000')
  if (query.key !== undefined && typeof query.key !== 'string') throw invalidQuery('key must be a string')
  return { key: query.key ?? null, lo: range.from, hi: range.to, limit }
}

export interface ValueRow {
  key: string
  step: number | string
  kind: string
  at: number
  payload: string
}

/** A stored value row as the API answers it. */
export function runValue(row: ValueRow): RunValueInfo {
  return { key: row.key, step: Number(row.step), kind: row.kind as ValueKind, at: Number(row.at), value: parseTagged(row.payload) }
}

/** Value keys from (key, kind, step) rows ordered by key then step. */
export function valueKeyInfos(rows: Iterable<{ key: string; kind: string; step: number | string }>): ValueKeyInfo[] {
  const out: ValueKeyInfo[] = []
  let cur: ValueKeyInfo | undefined
  for (const r of rows) {
    const step = Number(r.step)
    if (cur === undefined || cur.key !== r.key) {
      cur = { key: r.key, kind: r.kind as ValueKind, count: 0, lastStep: step, steps: [] }
      out.push(cur)
    }
    cur.steps.push(step)
    cur.count++
    cur.lastStep = step
    cur.kind = r.kind as ValueKind
  }
  return out
}

/** An image value's bytes with the type its description names. */
export function imageOf(payload: string, data: Buffer): { mime: string; bytes: Buffer } {
  const mime = (parseTagged(payload) as { mime?: unknown }).mime
  return { mime: mime === 'image/jpeg' ? 'image/jpeg' : 'image/png', bytes: data }
}

/** A stored metadata row as the API answers it. */
export function pointMetadata(row: { key: string; step: number | string; metadata: string }): PointMetadata {
  return { key: row.key, step: Number(row.step), metadata: parseObject(row.metadata) }
}
