/**
 * Spool records into PostgreSQL, inside the caller's transaction: events update the run in
 * memory, points gather per series, and everything is written once at the end of the call.
 *
 * Locking, so that any number of server processes may ingest at once:
 * - a transaction-scoped advisory lock on the writer id serializes the calls of one writer,
 *   known or new, so a record is never applied twice (the acked seq is read under it);
 * - the run's row lock (`FOR UPDATE`) serializes every change to a run and its series:
 *   two writers of one run (DDP ranks), `updateRun` and `deleteRun` take turns;
 * - the project row is touched last, just before commit, so runs of one project wait on
 *   each other only for that moment.
 */

import { countsAsStep, type JsonValue, KIND_EVENT, type RunEvent, type SpoolEvent, type SpoolRecord } from '@tally/sdk/spool'
import type { PointColumns } from '../chunks.js'
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
import type { IngestAck, IngestOptions, SpoolSource, StoreChange } from '../store.js'
import { ingestChanges } from '../watchers.js'
import { writeArtifacts } from './postgres-artifacts.js'
import { writeSeries } from './series-writes.js'
import { all, first, type NamedRunRow, type Queryable, run, type SeriesRow, SQL, saveRun, type WriterRow } from './statements.js'

/** What one ingest call did: the acknowledgement, and the changes to report once committed. */
export interface IngestResult {
  ack: IngestAck
  changes: StoreChange[]
}

export interface IngestWorkspace {
  id: number
  name: string
}

/**
 * Apply records of one writer; the caller runs this inside a transaction and commits.
 * Returns the acknowledgement and what changed.
 */
export async function ingestRecords(
  db: Queryable,
  writerId: string,
  records: readonly SpoolRecord[],
  workspace: IngestWorkspace,
  options: IngestOptions,
): Promise<IngestResult> {
  return new IngestCall(db, writerId, workspace, options.receivedAt).apply(records, options.source)
}

/** The state of one ingest call, written back once at its end. */
class IngestCall extends IngestState<NamedRunRow> {
  private writer: WriterRow | undefined

  constructor(
    private readonly db: Queryable,
    writerId: string,
    private readonly workspace: IngestWorkspace,
    receivedAt: number | undefined,
  ) {
    super(writerId, receivedAt)
  }

  protected closeWriter(): void {
    if (this.writer) this.writer.closed = true
  }

  async apply(records: readonly SpoolRecord[], source?: SpoolSource): Promise<IngestResult> {
    const { db, writerId } = this
    await run(db, SQL.lockWriter, [writerId])
    // The run first, then the writer: a run's writers change only under its lock (updateRun
    // closes them, deleteRun removes them), so the writer read after it is current.
    this.run = await first(db, SQL.lockWriterRun, [writerId])
    this.writer = this.run === undefined ? undefined : await first(db, SQL.writer, [writerId])
    if (this.writer !== undefined && this.run?.workspace_id !== this.workspace.id) throw this.notInWorkspace()
    this.seenAt = this.writer?.last_seen_at ?? 0
    if (this.writer === undefined) {
      const head = records[0]
      if (head === undefined) return { ack: { writerId, ackedSeq: 0, applied: 0, points: 0 }, changes: [] }
      // Wait for a deleteRun of the run this writer names that is under way to commit, so
      // its tombstone is seen here instead of the run being created again.
      const named = runEventId(head)
      if (named !== undefined) await run(db, SQL.lockRun, [named])
      const tombstone = await this.tombstone(head)
      if (tombstone !== undefined) {
        const ack = this.dropRecords(records, tombstone, this.workspace.id)
        await run(db, SQL.upsertDeletedWriter, [writerId, tombstone.run_id, this.workspace.id, ack.ackedSeq])
        return { ack, changes: [] }
      }
      this.checkFirstRecord(head)
    }
    const seqs = new AckedSeq(writerId, this.writer?.acked_seq ?? 0)
    let points = 0
    for (const record of records) {
      if (!seqs.take(record.seq)) continue
      if (record.kind === KIND_EVENT) await this.applyEventRecord(record.event)
      else points += this.collectPoints(record.points)
    }
    const ack = seqs.ack(points)
    const w = this.writer
    const r = this.run
    if (w === undefined || r === undefined || ack.applied === 0) {
      if (w !== undefined && source) await run(db, SQL.writerSource, [writerId, source.file, source.offset])
      return { ack, changes: [] }
    }
    await this.writeRun(r)
    w.acked_seq = ack.ackedSeq
    w.last_seen_at = this.lastSeen(w.last_seen_at)
    if (source) {
      w.file = source.file
      w.file_offset = source.offset
    }
    await run(db, SQL.upsertWriter, [
      w.writer_id,
      w.run_id,
      w.acked_seq,
      w.file,
      w.file_offset,
      w.host,
      w.pid,
      w.runtime,
      w.last_seen_at,
      w.closed,
    ])
    await run(db, SQL.touchProject, [this.updatedAt, r.project_id])
    return {
      ack,
      changes: ingestChanges(
        { workspace: r.workspace, project: r.project, runId: r.id },
        this.runChanged,
        [...this.pending.keys()],
        this.console.length > 0,
      ),
    }
  }

  /** The run's points, summary and fields, written back. */
  private async writeRun(r: NamedRunRow): Promise<void> {
    const cols = new Map<string, PointColumns>()
    for (const [key, p] of this.pending) cols.set(key, p.normalized())
    if (cols.size > 0 || this.summaryDirty) {
      const series = cols.size > 0 ? await writeSeries(this.db, r.id, cols) : undefined
      if (series !== undefined) {
        for (const key of cols.keys()) {
          const last = (series.get(key) as SeriesRow).last_step
          if (countsAsStep(key) && (r.last_step === null || last > r.last_step)) r.last_step = last
        }
      }
      r.summary = computeSummary(r, series ?? (await this.seriesOf(r.id)))
    }
    if (this.metadata.length > 0) await this.writeMetadata(r.id)
    if (this.artifacts.length > 0) await writeArtifacts(this.db, r.project_id, r.id, this.artifacts)
    for (const v of this.values) await run(this.db, SQL.upsertValue, [r.id, v.key, v.step, v.kind, v.at, v.payload, v.data])
    if (this.console.length > 0) {
      const c = this.console
      await run(this.db, SQL.insertConsole, [
        r.id,
        c.map((l) => l.stream),
        c.map((l) => l.at),
        c.map((l) => l.text),
        c.map((l) => l.truncated === true),
      ])
    }
    this.stampRun(r)
    await saveRun(this.db, r)
  }

  /** The call's point metadata; a later one at the same (key, step), in this call too, wins. */
  private async writeMetadata(runId: string): Promise<void> {
    const latest = new Map<string, [string, number, string]>()
    for (const m of this.metadata) latest.set(`${m[1]}\u0000${m[0]}`, m)
    const rows = [...latest.values()]
    await run(this.db, SQL.upsertMetadata, [runId, rows.map((m) => m[0]), rows.map((m) => m[1]), rows.map((m) => m[2])])
  }

  private async seriesOf(runId: string): Promise<Map<string, SeriesRow>> {
    return new Map((await all(this.db, SQL.seriesOfRun, [runId])).map((s) => [s.key, s]))
  }

  /** The tombstone of a writer whose run was deleted; `run_exists` for a new writer of a deleted run. */
  private async tombstone(head: SpoolRecord): Promise<Tombstone | undefined> {
    const buried = await first(this.db, SQL.deletedWriter, [this.writerId])
    if (buried !== undefined) return { run_id: '', ...buried }
    const runId = runEventId(head)
    if (runId !== undefined && (await first(this.db, SQL.deletedRun, [runId])) !== undefined) throw runDeleted(runId)
    return undefined
  }

  /** A run event finds or creates the run, which takes SQL; any other event applies in memory. */
  private async applyEventRecord(e: SpoolEvent): Promise<void> {
    if (e.type === 'run') await this.applyRunEvent(e)
    else this.applyEvent(e)
  }

  private async applyRunEvent(e: RunEvent): Promise<void> {
    this.checkRunEvent(e)
    let existing = this.run ?? (await first(this.db, SQL.lockRun, [e.id]))
    if (existing === undefined) {
      const created = await this.insertRun(e)
      // Refused: another writer created the run just now (the insert waited for its commit).
      if (created === undefined) existing = await first(this.db, SQL.lockRun, [e.id])
      else this.run = created
    }
    if (existing !== undefined) {
      if (this.run === undefined && existing.workspace_id !== this.workspace.id) throw runTaken(e.id)
      this.resumeRun(existing, e)
    }
    const r = this.run as NamedRunRow
    const pid = Number(e.writer?.pid ?? 0)
    this.writer = {
      ...this.runEventWriter(e, r.id, this.writer),
      file_offset: this.writer?.file_offset ?? 0,
      pid: Number.isSafeInteger(pid) ? pid : 0,
      closed: false,
    }
    this.sawEvent(e)
  }

  /** A new run, inserted, or undefined when another writer inserted it first. */
  private async insertRun(e: RunEvent): Promise<NamedRunRow | undefined> {
    const projectId = await this.ensureProject(e.project, e.at)
    const r: NamedRunRow = { ...newRun(e, projectId), project: e.project, workspace: this.workspace.name, workspace_id: this.workspace.id }
    const inserted = await first(this.db, SQL.insertRun, [
      r.id,
      r.project_id,
      r.name,
      r.group_name,
      r.tags,
      r.description,
      r.config,
      r.created_at,
      r.updated_at,
      r.heartbeat_at,
      r.system,
    ])
    return inserted === undefined ? undefined : r
  }

  private async ensureProject(name: string, at: number): Promise<number> {
    checkProjectName(name)
    const ws = this.workspace.id
    const found = (await first(this.db, SQL.project, [ws, name])) ?? (await first(this.db, SQL.insertProject, [ws, name, at]))
    // Inserted by another process just now: it exists once the insert is refused.
    return (found ?? ((await first(this.db, SQL.project, [ws, name])) as { id: number })).id
  }
}

/** Last value of every series (by key), then the explicit summary, then results. */
function computeSummary(r: NamedRunRow, series: Map<string, SeriesRow>): string {
  const lastValues: [string, JsonValue][] = [...series.values()]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((s) => [s.key, s.last_value])
  return summaryText(r, lastValues)
}
