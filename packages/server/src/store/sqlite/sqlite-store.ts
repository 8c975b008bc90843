import { mkdirSync } from 'node:fs'
import { hostname as osHostname } from 'node:os'
import { dirname } from 'node:path'
import { TallyError } from '@tally/sdk'
import type { RunStatus, SpoolRecord } from '@tally/sdk/spool'
import Database from 'better-sqlite3'
import { BucketBuilder, bucketCount, bucketWidth, lowerBound, MAX_BUCKETS } from '../buckets.js'
import { CHUNK_POINTS, decodeChunk, type PointColumns, pointColumns } from '../chunks.js'
import type {
  BucketQuery,
  ExportChunk,
  IngestAck,
  MetricKeyInfo,
  ProjectInfo,
  RunInfo,
  RunPage,
  RunQuery,
  SeriesBuckets,
  SeriesQuery,
  SeriesRaw,
  SpoolSource,
  Store,
  WriterState,
} from '../store.js'
import { SqliteIngest } from './ingest.js'
import { migrate } from './migrations.js'
import { formatCursor, invalid, parseCursor, parseRange, parseRunQuery } from './queries.js'
import { type LivenessRow, parseObject, prepareStatements, type RunRow, type SeriesRow, type Statements } from './statements.js'

export interface SqliteStoreOptions {
  /** A writer silent for longer than this is presumed dead. Default 30 s. */
  staleAfterMs?: number
  /** The clock, for tests. Default Date.now. */
  now?: () => number
  /** This machine's name: writers on it are also checked by pid. Default os.hostname(). */
  hostname?: string
}

/**
 * Open (creating and migrating as needed) the SQLite store at `path`. Several processes may
 * open one file at once: writes take an IMMEDIATE transaction and re-read what they depend on.
 *
 * @example const store = openSqliteStore(join(homedir(), '.tally', 'tally.db'))
 */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  return new SqliteStore(path, options)
}

/** Points per ExportChunk, roughly: whole chunks are read until this many are gathered. */
const EXPORT_POINTS = 64 * CHUNK_POINTS

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

export class SqliteStore implements Store {
  private readonly db: Database.Database
  private readonly staleAfterMs: number
  private readonly now: () => number
  private readonly hostname: string
  private readonly queries = new Map<string, Database.Statement>()
  /** Where bucketed reads decode a chunk: no times array, so times are not decoded. */
  private readonly scratch = { steps: new Float64Array(CHUNK_POINTS), values: new Float64Array(CHUNK_POINTS) }
  private readonly stmt: Statements
  private readonly ingester: SqliteIngest

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.staleAfterMs = options.staleAfterMs ?? 30_000
    this.now = options.now ?? Date.now
    this.hostname = options.hostname ?? osHostname()
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
      this.db = new Database(path, { timeout: 10_000 })
      // busy_timeout first, so that switching to WAL waits for a concurrent opener.
      this.db.pragma('busy_timeout = 10000')
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = NORMAL')
      this.db.pragma('foreign_keys = ON')
      // Reading chunk blobs through the memory map instead of read() calls makes long
      // series reads about a third faster; it costs address space, not memory.
      this.db.pragma('mmap_size = 1073741824')
      migrate(this.db, path)
    } catch (e) {
      if (e instanceof TallyError) throw e
      throw new TallyError(
        'store_unavailable',
        `cannot open the store at ${path}: ${(e as Error).message}; check that the path is a Tally database in a writable directory`,
        { cause: e },
      )
    }
    this.db.function('tally_casefold', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s))
    this.stmt = prepareStatements(this.db)
    this.ingester = new SqliteIngest(this.db, this.stmt)
  }

  async ingest(writerId: string, records: readonly SpoolRecord[], source?: SpoolSource): Promise<IngestAck> {
    return this.ingester.ingest(writerId, records, source)
  }

  async writerState(writerId: string): Promise<WriterState | undefined> {
    const w = this.stmt.writer.get(writerId)
    if (w === undefined) return undefined
    return {
      writerId: w.writer_id,
      runId: w.run_id,
      ackedSeq: w.acked_seq,
      file: w.file,
      offset: w.offset,
      host: w.host,
      pid: w.pid,
      lastSeenAt: w.last_seen_at,
    }
  }

  // ---------------------------------------------------------------------------------------
  // Runs

  private alive(w: LivenessRow, now: number): boolean {
    if (w.closed || w.last_seen_at < now - this.staleAfterMs) return false
    return w.host !== this.hostname || pidAlive(w.pid)
  }

  private toRunInfo(row: RunRow & { project: string }, status: RunStatus): RunInfo {
    return {
      id: row.id,
      name: row.name,
      project: row.project,
      status,
      group: row.group_name,
      tags: JSON.parse(row.tags) as string[],
      description: row.description,
      config: parseObject(row.config),
      summary: parseObject(row.summary),
      results: parseObject(row.results) as { [key: string]: number },
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      finishedAt: row.finished_at,
      heartbeatAt: row.heartbeat_at,
      lastStep: row.last_step,
      error: row.error,
      system: parseObject(row.system),
    }
  }

  private read<T>(fn: () => T): T {
    // A read transaction: one consistent snapshot even while other processes write.
    return this.db.transaction(fn)()
  }

  async listProjects(): Promise<ProjectInfo[]> {
    return this.stmt.projects.all()
  }

  async getRun(runId: string): Promise<RunInfo | undefined> {
    return this.read(() => {
      const row = this.stmt.runWithProject.get(runId)
      if (row === undefined) return undefined
      const now = this.now()
      const dead = row.status === 'running' && !this.stmt.liveness.all(runId).some((w) => this.alive(w, now))
      return this.toRunInfo(row, dead ? 'crashed' : row.status)
    })
  }

  /** Runs of a project stored as running none of whose writers is alive: they read as crashed. */
  private crashedRuns(projectId: number): string[] {
    const now = this.now()
    const running = new Set<string>()
    const alive = new Set<string>()
    for (const w of this.stmt.runningWriters.all(projectId)) {
      running.add(w.run_id)
      if (this.alive(w, now)) alive.add(w.run_id)
    }
    return [...running].filter((id) => !alive.has(id))
  }

  async listRuns(query: RunQuery): Promise<RunPage> {
    const q = parseRunQuery(query)
    return this.read(() => {
      const project = this.stmt.project.get(q.project)
      if (project === undefined) return { runs: [], total: 0, offset: q.offset, limit: q.limit }
      // Pids cannot be checked in SQL, so the crashed runs are found first and passed in,
      // for status filters and sorts to see the status as read.
      const from = `FROM (SELECT r.*, CASE WHEN r.status = 'running' AND r.id IN (SELECT value FROM json_each(?)) THEN 'crashed'
        ELSE r.status END AS derived_status FROM runs r WHERE r.project_id = ?) r`
      const params: unknown[] = [JSON.stringify(this.crashedRuns(project.id)), project.id, ...q.params]
      const where = q.where.length > 0 ? `WHERE ${q.where.join(' AND ')}` : ''
      const total = (this.query(`SELECT count(*) AS n ${from} ${where}`).get(...params) as { n: number }).n
      const rows = this.query(`SELECT r.* ${from} ${where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`).all(
        ...params,
        ...q.orderParams,
        q.limit,
        q.offset,
      ) as (RunRow & { derived_status: RunStatus })[]
      const runs = rows.map((row) => this.toRunInfo({ ...row, project: q.project }, row.derived_status))
      return { runs, total, offset: q.offset, limit: q.limit }
    })
  }

  /** A statement for generated SQL, cached: the shapes repeat (the dashboard polls). */
  private query(sql: string): Database.Statement {
    let st = this.queries.get(sql)
    if (st === undefined) {
      if (this.queries.size >= 200) this.queries.clear()
      st = this.db.prepare(sql)
      this.queries.set(sql, st)
    }
    return st
  }

  // ---------------------------------------------------------------------------------------
  // Series

  private series(runId: string, key: string): SeriesRow {
    const row = this.stmt.seriesByKey.get(runId, key)
    if (row !== undefined) return row
    if (this.stmt.run.get(runId) === undefined) throw new TallyError('not_found', `no run ${runId}; list runs to find its id`)
    throw new TallyError('not_found', `run ${runId} has no metric ${JSON.stringify(key)}; list its metric keys to see what it logged`)
  }

  async metricKeys(runId: string): Promise<MetricKeyInfo[]> {
    return this.read(() => {
      if (this.stmt.run.get(runId) === undefined) throw new TallyError('not_found', `no run ${runId}; list runs to find its id`)
      return this.stmt.seriesOfRun.all(runId).map((s) => ({
        key: s.key,
        count: s.count,
        firstStep: s.first_step,
        lastStep: s.last_step,
        lastValue: s.last_value ?? Number.NaN,
      }))
    })
  }

  async readSeries(query: SeriesQuery): Promise<SeriesRaw> {
    const range = parseRange(query.from, query.to)
    const since = query.since === undefined ? undefined : parseCursor(query.since)
    return this.read(() => {
      const s = this.series(query.runId, query.key)
      const reset = since !== undefined && since.rewrites !== s.rewrites
      // Seen up to here already (-1: nothing); a reset or a first read starts over.
      const seen = since !== undefined && !reset ? since.position : -1
      const hi = Math.min(range.to, s.last_step)
      const cols = this.readPoints(s.id, Math.max(range.from, seen + 1), hi)
      // The cursor stands at the end of what this answer covered, so a later read with a
      // wider `to` still gets the points beyond this one's.
      const position = Math.max(hi, seen)
      return { run: query.runId, key: query.key, ...cols, cursor: formatCursor(s.rewrites, position), reset }
    })
  }

  /** Points with steps in [lo, hi], decoding only the chunks that overlap it. */
  private readPoints(seriesId: number, lo: number, hi: number): PointColumns {
    if (lo > hi) return pointColumns(0)
    const rows = this.stmt.chunksIn.all({ series: seriesId, lo, hi })
    let n = 0
    for (const r of rows) n += r[2]
    const out = pointColumns(n)
    let at = 0
    for (const r of rows) at += decodeChunk(r[3], out, at)
    const a = lowerBound(out.steps, lo)
    const b = lowerBound(out.steps, hi + 1, a)
    if (a === 0 && b === n) return out
    return { steps: out.steps.slice(a, b), times: out.times.slice(a, b), values: out.values.slice(a, b) }
  }

  async readBuckets(query: BucketQuery): Promise<SeriesBuckets> {
    const { buckets } = query
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
      throw invalid(`buckets must be an integer from 1 to ${MAX_BUCKETS}, not ${String(buckets)}`)
    }
    const range = parseRange(query.from, query.to)
    return this.read(() => {
      const s = this.series(query.runId, query.key)
      const lo = query.from === undefined ? s.first_step : range.from
      const hi = Math.min(range.to, s.last_step)
      const end = Math.max(lo, query.to === undefined ? s.last_step : range.to)
      const width = bucketWidth(lo, end, buckets)
      const builder = new BucketBuilder(width, Math.min(s.count, bucketCount(lo, end, width)))
      if (lo <= hi) {
        const scratch = this.scratch
        for (const [first, last, n, min, max, lastValue, data] of this.stmt.chunkStatsIn.all({ series: s.id, lo, hi, w: BigInt(width) })) {
          if (last < lo) continue
          if (data === null) {
            // Inside the range and inside one bucket: the chunk's stats are the bucket's.
            builder.addBlock(first, last, n, min ?? Number.NaN, max ?? Number.NaN, lastValue ?? Number.NaN)
            continue
          }
          const k = decodeChunk(data, scratch, 0)
          const a = lowerBound(scratch.steps, lo, 0, k)
          builder.addPoints(scratch.steps, scratch.values, a, lowerBound(scratch.steps, hi + 1, a, k))
        }
      }
      return { run: query.runId, key: query.key, width, buckets: builder.finish() }
    })
  }

  async *exportPoints(project: string): AsyncGenerator<ExportChunk> {
    // Small reads, each on its own: no statement stays open across a yield.
    for (const run of this.stmt.runsOfProject.all(project)) {
      for (const s of this.stmt.seriesOfRun.all(run.id)) {
        let after = -1
        for (;;) {
          const rows = this.stmt.chunksAfter.all(s.id, after, EXPORT_POINTS / CHUNK_POINTS)
          const lastRow = rows[rows.length - 1]
          if (lastRow === undefined) break
          let n = 0
          for (const r of rows) n += r[2]
          const cols = pointColumns(n)
          let at = 0
          for (const r of rows) at += decodeChunk(r[3], cols, at)
          yield { runId: run.id, runName: run.name, key: s.key, ...cols }
          after = lastRow[0]
        }
      }
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close()
  }
}
