/**
 * Spool records into SQLite: events update the run in memory, points gather per series, and
 * everything is written once per call, in one IMMEDIATE transaction.
 */
import { TallyError } from '@tally/sdk'
import {
  type JsonValue,
  KIND_EVENT,
  type PointsBatch,
  type RunEvent,
  type SpoolEvent,
  type SpoolRecord,
  stringifyTagged,
} from '@tally/sdk/spool'
import type Database from 'better-sqlite3'
import { chunkEnd, chunkLength, decodeChunk, encodeChunk, MAX_STEP, type PointColumns, pointColumns, valueStats } from '../chunks.js'
import type { IngestAck, SpoolSource } from '../store.js'
import { isObject, parseObject, type RunRow, type Statements, type WriterRow } from './statements.js'

/** Past this many cached series ids the cache starts over, bounding a long-lived server's memory. */
const MAX_CACHED_SERIES = 100_000

/** Points of one series gathered from one ingest call, in arrival order. */
class PendingPoints {
  n = 0
  steps: Float64Array = new Float64Array(64)
  times: Float64Array = new Float64Array(64)
  values: Float64Array = new Float64Array(64)

  push(step: number, time: number, value: number): void {
    if (this.n === this.steps.length) this.grow()
    this.steps[this.n] = step
    this.times[this.n] = time
    this.values[this.n++] = value
  }

  private grow(): void {
    const size = this.n * 2
    const grow = (a: Float64Array): Float64Array => {
      const b = new Float64Array(size)
      b.set(a)
      return b
    }
    this.steps = grow(this.steps)
    this.times = grow(this.times)
    this.values = grow(this.values)
  }

  /** Sorted by step, one point per step, the later arrival winning. */
  normalized(): PointColumns {
    const { n, steps, times, values } = this
    let sorted = true
    for (let i = 1; i < n; i++) {
      if (!((steps[i] as number) > (steps[i - 1] as number))) {
        sorted = false
        break
      }
    }
    if (sorted) return { steps: steps.subarray(0, n), times: times.subarray(0, n), values: values.subarray(0, n) }
    const order = new Uint32Array(n)
    for (let i = 0; i < n; i++) order[i] = i
    order.sort((a, b) => (steps[a] as number) - (steps[b] as number) || a - b)
    const out = pointColumns(n)
    let m = 0
    for (let j = 0; j < n; j++) {
      const i = order[j] as number
      const s = steps[i] as number
      // Equal steps are ordered by arrival, so overwriting keeps the latest.
      const k = m > 0 && out.steps[m - 1] === s ? m - 1 : m++
      out.steps[k] = s
      out.times[k] = times[i] as number
      out.values[k] = values[i] as number
    }
    return { steps: out.steps.subarray(0, m), times: out.times.subarray(0, m), values: out.values.subarray(0, m) }
  }
}

/** What one ingest call changes, written back once at its end. */
interface IngestContext {
  writer: WriterRow | undefined
  run: RunRow | undefined
  pending: Map<string, PendingPoints>
  summaryDirty: boolean
  /** Latest activity time seen (events' `at`, rows' times); heartbeats count only here. */
  seenAt: number
  /** Latest time of anything but a heartbeat. */
  updatedAt: number
}

const later = (a: number, b: number): number => (Number.isFinite(b) && b > a ? b : a)

function mergeJson(text: string, patch: unknown): string {
  return isObject(patch) ? stringifyTagged({ ...parseObject(text), ...patch }) : text
}

export class SqliteIngest {
  /** `runId \0 key` → series id. Ids never change once made; cleared when an ingest rolls back. */
  private readonly seriesIds = new Map<string, number>()
  private readonly tx: Database.Transaction<(writerId: string, records: readonly SpoolRecord[], source?: SpoolSource) => IngestAck>

  constructor(
    db: Database.Database,
    private readonly stmt: Statements,
  ) {
    this.tx = db.transaction((writerId: string, records: readonly SpoolRecord[], source?: SpoolSource) =>
      this.applyIngest(writerId, records, source),
    )
  }

  ingest(writerId: string, records: readonly SpoolRecord[], source?: SpoolSource): IngestAck {
    try {
      // IMMEDIATE takes the write lock before the writer's acked seq is read, so two
      // processes ingesting the same spool never both apply a record.
      return this.tx.immediate(writerId, records, source)
    } catch (e) {
      // Series made inside the rolled-back transaction are gone again.
      this.seriesIds.clear()
      throw e
    }
  }

  private applyIngest(writerId: string, records: readonly SpoolRecord[], source?: SpoolSource): IngestAck {
    const writer = this.stmt.writer.get(writerId)
    const ctx: IngestContext = {
      writer,
      run: writer ? this.stmt.run.get(writer.run_id) : undefined,
      pending: new Map(),
      summaryDirty: false,
      seenAt: writer?.last_seen_at ?? 0,
      updatedAt: 0,
    }
    if (!writer) {
      const first = records[0]
      if (first === undefined) return { writerId, ackedSeq: 0, applied: 0, points: 0 }
      if (first.kind !== KIND_EVENT || first.event.type !== 'run') {
        throw new TallyError(
          'spool_format',
          `writer ${writerId} is new to this store, but its first record (seq ${first.seq}) is not its run event; ingest its spool file from the start`,
        )
      }
    }
    let acked = writer?.acked_seq ?? 0
    let applied = 0
    let points = 0
    for (const record of records) {
      if (!(record.seq > acked)) continue
      if (record.kind === KIND_EVENT) this.applyEvent(ctx, writerId, record.event)
      else points += this.collectPoints(ctx, writerId, record.points)
      acked = record.seq
      applied++
    }
    const w = ctx.writer
    const run = ctx.run
    if (w === undefined || run === undefined || applied === 0) {
      if (w !== undefined && source) this.stmt.updateWriter.run({ ...w, file: source.file, offset: source.offset })
      return { writerId, ackedSeq: acked, applied, points }
    }
    let lastStep = run.last_step
    for (const [key, pending] of ctx.pending) {
      const seriesLast = this.flushSeries(run.id, key, pending.normalized())
      if (lastStep === null || seriesLast > lastStep) lastStep = seriesLast
    }
    run.last_step = lastStep
    if (ctx.pending.size > 0 || ctx.summaryDirty) run.summary = this.computeSummary(run)
    run.heartbeat_at = later(run.heartbeat_at, ctx.seenAt)
    run.updated_at = later(run.updated_at, ctx.updatedAt)
    this.stmt.updateRun.run(run)
    this.stmt.touchProject.run(ctx.updatedAt, run.project_id)
    w.acked_seq = acked
    w.last_seen_at = later(w.last_seen_at, ctx.seenAt)
    if (source) {
      w.file = source.file
      w.offset = source.offset
    }
    this.stmt.updateWriter.run(w)
    return { writerId, ackedSeq: acked, applied, points }
  }

  private applyEvent(ctx: IngestContext, writerId: string, e: SpoolEvent): void {
    if (e.type === 'run') {
      this.applyRunEvent(ctx, writerId, e)
    } else {
      const run = ctx.run
      if (run === undefined) throw new TallyError('spool_format', `writer ${writerId} sent a ${e.type} event before its run event`)
      switch (e.type) {
        case 'config':
          run.config = mergeJson(run.config, e.config)
          break
        case 'summary':
          run.explicit_summary = mergeJson(run.explicit_summary, e.summary)
          ctx.summaryDirty = true
          break
        case 'result':
          if (typeof e.key === 'string' && typeof e.value === 'number') {
            run.results = mergeJson(run.results, { [e.key]: e.value })
            ctx.summaryDirty = true
          }
          break
        case 'status':
          if (e.status !== 'finished' && e.status !== 'failed') {
            throw new TallyError('spool_format', `writer ${writerId} sent status ${JSON.stringify(e.status)}; expected finished or failed`)
          }
          run.status = e.status
          run.finished_at = e.at
          run.error = e.error ?? null
          if (ctx.writer) ctx.writer.closed = 1
          break
        case 'meta':
          if (typeof e.name === 'string' && e.name !== '') run.name = e.name
          if (e.group !== undefined) run.group_name = e.group
          if (Array.isArray(e.tags)) run.tags = JSON.stringify(e.tags)
          if (e.description !== undefined) run.description = e.description
          break
        case 'heartbeat':
          break
        default:
          // An event type from a newer SDK: acknowledged, and left for a newer store.
          break
      }
    }
    ctx.seenAt = later(ctx.seenAt, e.at)
    if (e.type !== 'heartbeat') ctx.updatedAt = later(ctx.updatedAt, e.at)
  }

  private applyRunEvent(ctx: IngestContext, writerId: string, e: RunEvent): void {
    if (typeof e.id !== 'string' || e.id === '') throw new TallyError('spool_format', `writer ${writerId}'s run event has no run id`)
    if (ctx.run !== undefined && ctx.run.id !== e.id) {
      throw new TallyError('spool_format', `writer ${writerId} writes run ${ctx.run.id}, yet sent a run event for ${e.id}`)
    }
    const existing = ctx.run ?? this.stmt.run.get(e.id)
    let run: RunRow
    if (existing) {
      // Resumed (or a second process of the same run): running again, descriptive fields
      // replaced only by values actually given.
      run = existing
      run.status = 'running'
      run.finished_at = null
      run.error = null
      run.config = mergeJson(run.config, e.config)
      run.system = mergeJson(run.system, e.system)
      if (typeof e.name === 'string' && e.name !== '') run.name = e.name
      if (typeof e.group === 'string') run.group_name = e.group
      if (typeof e.description === 'string') run.description = e.description
      if (Array.isArray(e.tags) && e.tags.length > 0) run.tags = JSON.stringify(e.tags)
    } else {
      run = {
        id: e.id,
        project_id: this.ensureProject(e.project, e.at),
        name: typeof e.name === 'string' && e.name !== '' ? e.name : e.id,
        group_name: e.group ?? null,
        tags: JSON.stringify(Array.isArray(e.tags) ? e.tags : []),
        description: e.description ?? null,
        config: stringifyTagged(isObject(e.config) ? e.config : {}),
        explicit_summary: '{}',
        results: '{}',
        summary: '{}',
        status: 'running',
        error: null,
        created_at: Number.isFinite(e.createdAt) ? e.createdAt : e.at,
        updated_at: e.at,
        finished_at: null,
        heartbeat_at: e.at,
        last_step: null,
        system: stringifyTagged(isObject(e.system) ? e.system : {}),
      }
      this.stmt.insertRun.run(run)
    }
    ctx.run = run
    const writer: WriterRow = {
      writer_id: writerId,
      run_id: run.id,
      acked_seq: ctx.writer?.acked_seq ?? 0,
      file: ctx.writer?.file ?? null,
      offset: ctx.writer?.offset ?? 0,
      host: String(e.writer?.host ?? ''),
      pid: Number(e.writer?.pid ?? 0),
      runtime: String(e.writer?.runtime ?? ''),
      last_seen_at: later(ctx.writer?.last_seen_at ?? 0, e.at),
      closed: 0,
    }
    this.stmt.insertWriter.run(writer)
    ctx.writer = writer
  }

  private ensureProject(name: string, at: number): number {
    if (typeof name !== 'string' || name === '') throw new TallyError('spool_format', 'a run event has no project name')
    this.stmt.insertProject.run(name, at, at)
    return (this.stmt.project.get(name) as { id: number }).id
  }

  /** Gather a batch's points per key; the SQL happens once per series at the end of the call. */
  private collectPoints(ctx: IngestContext, writerId: string, batch: PointsBatch): number {
    if (ctx.run === undefined) throw new TallyError('spool_format', `writer ${writerId} sent points before its run event`)
    const { keys, steps, times, counts, keyIndex, values } = batch
    const slots: PendingPoints[] = []
    for (const key of keys) {
      let p = ctx.pending.get(key)
      if (p === undefined) {
        p = new PendingPoints()
        ctx.pending.set(key, p)
      }
      slots.push(p)
    }
    let maxTime = Number.NEGATIVE_INFINITY
    let i = 0
    for (let r = 0; r < steps.length; r++) {
      const step = steps[r] as number
      if (!(step >= 0 && step <= MAX_STEP && Number.isInteger(step))) {
        throw new TallyError('spool_format', `writer ${writerId} sent step ${step}; steps are integers in [0, 2^53)`)
      }
      const time = times[r] as number
      if (time > maxTime) maxTime = time
      const end = i + (counts[r] as number)
      for (; i < end; i++) (slots[keyIndex[i] as number] as PendingPoints).push(step, time, values[i] as number)
    }
    ctx.seenAt = later(ctx.seenAt, maxTime)
    ctx.updatedAt = later(ctx.updatedAt, maxTime)
    return values.length
  }

  /** Store new points of one series (sorted, unique steps); returns the series' last step. */
  private flushSeries(runId: string, key: string, cols: PointColumns): number {
    const m = cols.steps.length
    const lo = cols.steps[0] as number
    const hi = cols.steps[m - 1] as number
    const lastValue = cols.values[m - 1] as number
    const cacheKey = `${runId}\u0000${key}`
    const cached = this.seriesIds.get(cacheKey)
    const row = cached === undefined ? this.stmt.seriesByKey.get(runId, key) : this.stmt.seriesById.get(cached)
    if (row === undefined) {
      const id = Number(this.stmt.insertSeries.run(runId, key, m, lo, hi, lastValue).lastInsertRowid)
      this.rememberSeries(cacheKey, id)
      this.writeChunks(id, cols)
      return hi
    }
    if (cached === undefined) this.rememberSeries(cacheKey, row.id)
    let { count, first_step: first, last_step: last, last_value: value, rewrites } = row
    if (lo > last) {
      this.appendChunks(row.id, cols)
      count += m
    } else {
      // Steps at or before the last one: a resumed run re-logging, or late points.
      count += this.rewriteChunks(row.id, cols)
      rewrites++
      first = Math.min(first, lo)
    }
    if (hi >= last) {
      last = hi
      value = lastValue
    }
    this.stmt.updateSeries.run(count, first, last, value, rewrites, row.id)
    return last
  }

  private rememberSeries(cacheKey: string, id: number): void {
    if (this.seriesIds.size >= MAX_CACHED_SERIES) this.seriesIds.clear()
    this.seriesIds.set(cacheKey, id)
  }

  /**
   * Write points as chunks cut by `chunkEnd`. With `replaceFirst`, the first chunk replaces
   * the stored chunk that starts at that step (the tail being extended) instead of adding one.
   */
  private writeChunks(seriesId: number, cols: PointColumns, replaceFirst?: number): void {
    const n = cols.steps.length
    for (let a = 0; a < n; ) {
      const b = chunkEnd(cols.steps, a, n)
      const { min, max, last } = valueStats(cols.values, a, b)
      const data = encodeChunk(cols, a, b)
      if (a === 0 && replaceFirst !== undefined)
        this.stmt.updateChunk.run(cols.steps[b - 1], b - a, min, max, last, data, seriesId, replaceFirst)
      else this.stmt.insertChunk.run(seriesId, cols.steps[a], cols.steps[b - 1], b - a, min, max, last, data)
      a = b
    }
  }

  /** All new steps lie past the series' end: extend the tail chunk while it has room. */
  private appendChunks(seriesId: number, cols: PointColumns): void {
    const tail = this.stmt.tail.get(seriesId)
    if (tail === undefined || tail[2] === null) {
      this.writeChunks(seriesId, cols)
      return
    }
    const have = chunkLength(tail[2])
    const merged = pointColumns(have + cols.steps.length)
    decodeChunk(tail[2], merged, 0)
    merged.steps.set(cols.steps, have)
    merged.times.set(cols.times, have)
    merged.values.set(cols.values, have)
    this.writeChunks(seriesId, merged, tail[0])
  }

  /**
   * Merge new points into the chunks whose ranges they touch, the new point winning at an
   * equal step, and write those chunks again. Returns how many points the series gained.
   */
  private rewriteChunks(seriesId: number, cols: PointColumns): number {
    const m = cols.steps.length
    const lo = cols.steps[0] as number
    const hi = cols.steps[m - 1] as number
    const rows = this.stmt.chunksIn.all({ series: seriesId, lo, hi }).filter((r) => r[1] >= lo)
    let had = 0
    for (const r of rows) had += r[2]
    const old = pointColumns(had)
    let at = 0
    for (const r of rows) at += decodeChunk(r[3], old, at)
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
    const first = rows[0]
    const lastRow = rows[rows.length - 1]
    if (first !== undefined && lastRow !== undefined) this.stmt.deleteChunks.run(seriesId, first[0], lastRow[0])
    this.writeChunks(seriesId, { steps: out.steps.subarray(0, n), times: out.times.subarray(0, n), values: out.values.subarray(0, n) })
    return n - had
  }

  private computeSummary(run: RunRow): string {
    const entries: [string, JsonValue][] = []
    for (const s of this.stmt.seriesOfRun.iterate(run.id)) entries.push([s.key, s.last_value ?? Number.NaN])
    for (const text of [run.explicit_summary, run.results]) entries.push(...Object.entries(parseObject(text)))
    return stringifyTagged(Object.fromEntries(entries))
  }
}
