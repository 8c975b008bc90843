/**
 * Spool records into SQLite: events update the run in memory, points gather per series, and
 * everything is written once per call, in one IMMEDIATE transaction.
 */

import { countsAsStep, type JsonValue, KIND_EVENT, type RunEvent, type SpoolEvent, type SpoolRecord } from '@tally/sdk/spool'
import type Database from 'better-sqlite3'
import {
  chunkEnd,
  chunkLength,
  decodeChunk,
  decodeChunks,
  encodeChunk,
  mergePoints,
  type PointColumns,
  pointColumns,
  storedTime,
  valueStats,
} from '../chunks.js'
import {
  AckedSeq,
  checkProjectName,
  IngestState,
  newRun,
  runDeleted,
  runEventId,
  runTaken,
  summaryText,
  type Tombstone,
} from '../ingest-events.js'
import type { RunRow } from '../rows.js'
import type { IngestAck, IngestOptions } from '../store.js'
import type { SqliteArtifacts } from './sqlite-artifacts.js'
import type { Statements, WriterRow } from './statements.js'

/** Past this many cached series ids the cache starts over, bounding a long-lived server's memory. */
const MAX_CACHED_SERIES = 100_000

/** What one ingest call changes, written back once at its end. */
class IngestContext extends IngestState<RunRow> {
  writer: WriterRow | undefined

  constructor(writerId: string, writer: WriterRow | undefined, receivedAt: number | undefined) {
    super(writerId, receivedAt)
    this.writer = writer
    this.seenAt = writer?.last_seen_at ?? 0
  }

  protected closeWriter(): void {
    if (this.writer) this.writer.closed = 1
  }
}

/** What one ingest call did, for the store to report to its watchers after the commit. */
export interface IngestResult {
  ack: IngestAck
  /** The run the records went to; undefined when nothing was stored. */
  runId?: string
  projectId?: number
  /** Keys that got points. */
  keys: string[]
  runChanged: boolean
  /** Console lines were stored. */
  console: boolean
}

export class SqliteIngest {
  /** `runId \0 key` → series id. Ids never change once made; cleared when an ingest rolls back. */
  private readonly seriesIds = new Map<string, number>()
  private readonly tx: Database.Transaction<
    (writerId: string, records: readonly SpoolRecord[], workspaceId: number, options: IngestOptions) => IngestResult
  >

  constructor(
    db: Database.Database,
    private readonly stmt: Statements,
    private readonly artifacts: SqliteArtifacts,
  ) {
    this.tx = db.transaction((writerId: string, records: readonly SpoolRecord[], workspaceId: number, options: IngestOptions) =>
      this.applyIngest(writerId, records, workspaceId, options),
    )
  }

  ingest(writerId: string, records: readonly SpoolRecord[], workspaceId: number, options: IngestOptions): IngestResult {
    try {
      // IMMEDIATE takes the write lock before the writer's acked seq is read, so two
      // processes ingesting the same spool never both apply a record.
      return this.tx.immediate(writerId, records, workspaceId, options)
    } catch (e) {
      // Series made inside the rolled-back transaction are gone again.
      this.seriesIds.clear()
      throw e
    }
  }

  private applyIngest(writerId: string, records: readonly SpoolRecord[], workspaceId: number, options: IngestOptions): IngestResult {
    const { source, receivedAt } = options
    const writer = this.stmt.writer.get(writerId)
    const ctx = new IngestContext(writerId, writer, receivedAt)
    if (writer !== undefined && this.stmt.runWorkspace.get(writer.run_id)?.workspace_id !== workspaceId) throw ctx.notInWorkspace()
    ctx.run = writer ? this.stmt.run.get(writer.run_id) : undefined
    if (!writer) {
      const first = records[0]
      if (first === undefined) return { ack: { writerId, ackedSeq: 0, applied: 0, points: 0 }, keys: [], runChanged: false, console: false }
      const tombstone = this.tombstone(writerId, first)
      if (tombstone !== undefined) {
        const ack = ctx.dropRecords(records, tombstone, workspaceId)
        this.stmt.upsertDeletedWriter.run(writerId, tombstone.run_id, workspaceId, ack.ackedSeq)
        return { ack, keys: [], runChanged: false, console: false }
      }
      ctx.checkFirstRecord(first)
    }
    const seqs = new AckedSeq(writerId, writer?.acked_seq ?? 0)
    let points = 0
    for (const record of records) {
      if (!seqs.take(record.seq)) continue
      if (record.kind === KIND_EVENT) this.applyEvent(ctx, workspaceId, record.event)
      else points += ctx.collectPoints(record.points)
    }
    const w = ctx.writer
    const run = ctx.run
    const ack = seqs.ack(points)
    if (w === undefined || run === undefined || ack.applied === 0) {
      if (w !== undefined && source) this.stmt.updateWriter.run({ ...w, file: source.file, offset: source.offset })
      return { ack, keys: [], runChanged: false, console: false }
    }
    let lastStep = run.last_step
    for (const [key, pending] of ctx.pending) {
      const seriesLast = this.flushSeries(run.id, key, pending.normalized())
      if (countsAsStep(key) && (lastStep === null || seriesLast > lastStep)) lastStep = seriesLast
    }
    run.last_step = lastStep
    for (const [key, step, metadata] of ctx.metadata) this.stmt.upsertMetadata.run(run.id, key, step, metadata)
    for (const v of ctx.values) this.stmt.upsertValue.run(run.id, v.key, v.step, v.kind, v.at, v.payload, v.data)
    if (ctx.console.length > 0) {
      let seq = (this.stmt.lastConsoleSeq.get(run.id) as { seq: number }).seq
      for (const l of ctx.console) this.stmt.insertConsole.run(run.id, ++seq, l.stream, l.at, l.text, l.truncated ? 1 : 0)
    }
    if (ctx.artifacts.length > 0) this.artifacts.write(run.project_id, run.id, ctx.artifacts)
    if (ctx.pending.size > 0 || ctx.summaryDirty) run.summary = this.computeSummary(run)
    ctx.stampRun(run)
    this.stmt.updateRun.run(run)
    this.stmt.touchProject.run(ctx.updatedAt, run.project_id)
    w.acked_seq = ack.ackedSeq
    w.last_seen_at = ctx.lastSeen(w.last_seen_at)
    if (source) {
      w.file = source.file
      w.offset = source.offset
    }
    this.stmt.updateWriter.run(w)
    return {
      ack,
      runId: run.id,
      projectId: run.project_id,
      keys: [...ctx.pending.keys()],
      runChanged: ctx.runChanged,
      console: ctx.console.length > 0,
    }
  }

  /** The tombstone of a writer whose run was deleted; `run_exists` for a new writer of a deleted run. */
  private tombstone(writerId: string, first: SpoolRecord): Tombstone | undefined {
    const buried = this.stmt.deletedWriter.get(writerId)
    if (buried !== undefined) return { run_id: '', ...buried }
    const runId = runEventId(first)
    if (runId !== undefined && this.stmt.deletedRun.get(runId) !== undefined) throw runDeleted(runId)
    return undefined
  }

  /** A run event finds or creates the run, which takes SQL; any other event applies in memory. */
  private applyEvent(ctx: IngestContext, workspaceId: number, e: SpoolEvent): void {
    if (e.type === 'run') this.applyRunEvent(ctx, workspaceId, e)
    else ctx.applyEvent(e)
  }

  private applyRunEvent(ctx: IngestContext, workspaceId: number, e: RunEvent): void {
    ctx.checkRunEvent(e)
    const existing = ctx.run ?? this.stmt.run.get(e.id)
    if (existing && ctx.run === undefined && this.stmt.runWorkspace.get(existing.id)?.workspace_id !== workspaceId) {
      throw runTaken(e.id)
    }
    if (existing) {
      ctx.resumeRun(existing, e)
    } else {
      ctx.run = newRun(e, this.ensureProject(workspaceId, e.project, e.at))
      this.stmt.insertRun.run(ctx.run)
    }
    const run = ctx.run as RunRow
    const writer: WriterRow = {
      ...ctx.runEventWriter(e, run.id, ctx.writer),
      offset: ctx.writer?.offset ?? 0,
      pid: Number(e.writer?.pid ?? 0),
      closed: 0,
    }
    this.stmt.insertWriter.run(writer)
    ctx.writer = writer
    ctx.sawEvent(e)
  }

  private ensureProject(workspaceId: number, name: string, at: number): number {
    checkProjectName(name)
    this.stmt.insertProject.run(workspaceId, name, at, at)
    return (this.stmt.project.get(workspaceId, name) as { id: number }).id
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
      const lastTime = storedTime(cols.times[b - 1] as number)
      const data = encodeChunk(cols, a, b)
      if (a === 0 && replaceFirst !== undefined)
        this.stmt.updateChunk.run(cols.steps[b - 1], b - a, min, max, last, lastTime, data, seriesId, replaceFirst)
      else this.stmt.insertChunk.run(seriesId, cols.steps[a], cols.steps[b - 1], b - a, min, max, last, lastTime, data)
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
    const old = decodeChunks(rows.map((r) => r[3]))
    const merged = mergePoints(old, cols)
    const first = rows[0]
    const lastRow = rows[rows.length - 1]
    if (first !== undefined && lastRow !== undefined) this.stmt.deleteChunks.run(seriesId, first[0], lastRow[0])
    this.writeChunks(seriesId, merged)
    return merged.steps.length - old.steps.length
  }

  private computeSummary(run: RunRow): string {
    const lastValues: [string, JsonValue][] = []
    for (const s of this.stmt.seriesOfRun.iterate(run.id)) lastValues.push([s.key, s.last_value ?? Number.NaN])
    return summaryText(run, lastValues)
  }
}
