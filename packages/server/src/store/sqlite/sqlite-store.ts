import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { TallyError } from '@tally/sdk'
import type { RunStatus, SpoolRecord } from '@tally/sdk/spool'
import Database from 'better-sqlite3'
import { checkNewKey, checkRunPatch, checkWorkspaceName, DEFAULT_WORKSPACE } from '../checks.js'
import { decodeChunks, type PointColumns, pointColumns } from '../chunks.js'
import { keyNotFound, metricNotFound, runNotFound, workspaceNotFound, workspaceTaken } from '../errors.js'
import { Liveness, type LivenessOptions } from '../liveness.js'
import {
  BucketRead,
  checkBucketQuery,
  checkConsoleQuery,
  checkMetadataQuery,
  checkSeriesQuery,
  checkValueQuery,
  consoleLine,
  EXPORT_CHUNKS,
  imageOf,
  pointMetadata,
  pointsWithin,
  rawWindow,
  runValue,
  valueKeyInfos,
} from '../reads.js'
import { applyRunPatch, keyInfo, metricKeyInfo, type RunRow, toRunInfo, toWriterState } from '../rows.js'
import type * as api from '../store.js'
import { ingestChanges, type Watcher, Watchers } from '../watchers.js'
import { type IngestResult, SqliteIngest } from './ingest.js'
import { migrate } from './migrations.js'
import { parseRunQuery } from './queries.js'
import { SqliteArtifacts } from './sqlite-artifacts.js'
import { prepareStatements, type SeriesRow, type Statements } from './statements.js'

export type SqliteStoreOptions = LivenessOptions

/**
 * Open (creating and migrating as needed) the SQLite store at `path`. Several processes may
 * open one file at once: writes take an IMMEDIATE transaction and re-read what they depend on.
 *
 * @example const store = openSqliteStore(join(homedir(), '.tally', 'tally.db'))
 */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  return new SqliteStore(path, options)
}

export class SqliteStore implements api.Store {
  private readonly db: Database.Database
  private readonly now: () => number
  private readonly liveness: Liveness
  private readonly queries = new Map<string, Database.Statement>()
  private readonly stmt: Statements
  private readonly ingester: SqliteIngest
  private readonly artifacts: SqliteArtifacts
  private readonly watchers = new Watchers()

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.now = options.now ?? Date.now
    this.liveness = new Liveness(options)
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
    this.artifacts = new SqliteArtifacts(this.db)
    this.ingester = new SqliteIngest(this.db, this.stmt, this.artifacts)
  }

  async ingest(writerId: string, records: readonly SpoolRecord[], options: api.IngestOptions = {}): Promise<api.IngestAck> {
    const workspaceId = this.workspaceId(options.workspace ?? DEFAULT_WORKSPACE)
    const result = this.ingester.ingest(writerId, records, workspaceId, options)
    if (this.watchers.size > 0) this.reportIngest(result)
    return result.ack
  }

  private reportIngest(result: IngestResult): void {
    if (result.projectId === undefined || result.runId === undefined) return
    const names = this.stmt.projectNames.get(result.projectId)
    if (names === undefined) return
    const where = { workspace: names.workspace, project: names.project, runId: result.runId }
    for (const change of ingestChanges(where, result.runChanged, result.keys, result.console)) this.watchers.emit(change)
  }

  watch(listener: Watcher): () => void {
    return this.watchers.add(listener)
  }

  /** The id of a workspace by name; `not_found` when there is none. */
  private workspaceId(name: string): number {
    const row = this.stmt.workspace.get(name)
    if (row === undefined) throw workspaceNotFound(name)
    return row.id
  }

  async writerState(writerId: string): Promise<api.WriterState | undefined> {
    const w = this.stmt.writerWithWorkspace.get(writerId)
    return w === undefined ? undefined : toWriterState(w, w.offset)
  }

  // ---------------------------------------------------------------------------------------
  // Runs

  private read<T>(fn: () => T): T {
    // A read transaction: one consistent snapshot even while other processes write.
    return this.db.transaction(fn)()
  }

  async createWorkspace(name: string): Promise<api.WorkspaceInfo> {
    checkWorkspaceName(name)
    const createdAt = this.now()
    try {
      this.stmt.insertWorkspace.run(name, createdAt)
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e
      throw workspaceTaken(name)
    }
    return { name, createdAt }
  }

  async listWorkspaces(): Promise<api.WorkspaceInfo[]> {
    return this.stmt.workspaces.all().map((w) => ({ name: w.name, createdAt: w.created_at }))
  }

  async listProjects(workspace: string = DEFAULT_WORKSPACE): Promise<api.ProjectInfo[]> {
    const row = this.stmt.workspace.get(workspace)
    return row === undefined ? [] : this.stmt.projects.all(row.id)
  }

  async getRun(runId: string): Promise<api.RunInfo | undefined> {
    return this.read(() => {
      const row = this.stmt.runWithProject.get(runId)
      if (row === undefined) return undefined
      const dead = row.status === 'running' && this.liveness.dead(this.stmt.liveness.all(runId))
      return toRunInfo(row, dead ? 'crashed' : row.status)
    })
  }

  async listRuns(query: api.RunQuery): Promise<api.RunPage> {
    const q = parseRunQuery(query)
    return this.read(() => {
      const ws = this.stmt.workspace.get(q.workspace)
      const project = ws === undefined ? undefined : this.stmt.project.get(ws.id, q.project)
      if (project === undefined) return { runs: [], total: 0, offset: q.offset, limit: q.limit }
      // Pids cannot be checked in SQL, so the crashed runs are found first and passed in,
      // for status filters and sorts to see the status as read.
      const from = `FROM (SELECT r.*, CASE WHEN r.status = 'running' AND r.id IN (SELECT value FROM json_each(?)) THEN 'crashed'
        ELSE r.status END AS derived_status FROM runs r WHERE r.project_id = ?) r`
      const crashed = this.liveness.crashedRuns(this.stmt.runningWriters.all(project.id))
      const params: unknown[] = [JSON.stringify(crashed), project.id, ...q.params]
      const where = q.where.length > 0 ? `WHERE ${q.where.join(' AND ')}` : ''
      const total = (this.query(`SELECT count(*) AS n ${from} ${where}`).get(...params) as { n: number }).n
      const rows = this.query(`SELECT r.* ${from} ${where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`).all(
        ...params,
        ...q.orderParams,
        q.limit,
        q.offset,
      ) as (RunRow & { derived_status: RunStatus })[]
      const runs = rows.map((row) => toRunInfo({ ...row, project: q.project, workspace: q.workspace }, row.derived_status))
      return { runs, total, offset: q.offset, limit: q.limit }
    })
  }

  async updateRun(runId: string, patch: api.RunPatch): Promise<api.RunInfo> {
    const p = checkRunPatch(patch)
    const changed = this.db
      .transaction(() => {
        const run = this.stmt.run.get(runId)
        if (run === undefined) throw runNotFound(runId)
        if (applyRunPatch(run, p, this.now())) this.stmt.closeWriters.run(runId)
        this.stmt.updateRun.run(run)
        return run
      })
      .immediate()
    const info = (await this.getRun(runId)) as api.RunInfo
    this.watchers.emit({ type: 'run', workspace: info.workspace, project: info.project, runId: changed.id })
    return info
  }

  async deleteRun(runId: string): Promise<void> {
    const where = this.db
      .transaction(() => {
        const row = this.stmt.runWithProject.get(runId)
        if (row === undefined) throw runNotFound(runId)
        const ws = this.stmt.runWorkspace.get(runId) as { workspace_id: number }
        this.stmt.buryWriters.run(ws.workspace_id, runId)
        this.stmt.insertDeletedRun.run(runId, ws.workspace_id, this.now())
        this.stmt.deleteRun.run(runId)
        return { workspace: row.workspace, project: row.project, runId }
      })
      .immediate()
    this.watchers.emit({ type: 'run', ...where, deleted: true })
  }

  // ---------------------------------------------------------------------------------------
  // API keys

  async createKey(key: api.NewApiKey): Promise<api.ApiKeyInfo> {
    checkNewKey(key)
    const createdAt = this.now()
    this.db
      .transaction(() => {
        const workspaceId = this.workspaceId(key.workspace)
        try {
          this.stmt.insertKey.run({ ...key, workspace_id: workspaceId, created_at: createdAt })
        } catch (e) {
          // The id or the hash is taken (the same key twice).
          if (
            (e as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' &&
            (e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE'
          )
            throw e
          throw new TallyError('already_exists', `a key with id ${key.id}, or this very key, exists already`)
        }
      })
      .immediate()
    return { id: key.id, workspace: key.workspace, role: key.role, prefix: key.prefix, name: key.name, createdAt, revokedAt: null }
  }

  async keyByHash(hash: string): Promise<api.ApiKeyInfo | undefined> {
    const row = this.stmt.keyByHash.get(hash)
    return row === undefined ? undefined : keyInfo(row)
  }

  async listKeys(workspace?: string): Promise<api.ApiKeyInfo[]> {
    return this.stmt.keys.all({ ws: workspace ?? null }).map(keyInfo)
  }

  async revokeKey(id: string): Promise<void> {
    if (this.stmt.revokeKey.run(this.now(), id).changes === 0) throw keyNotFound(id)
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
    if (this.stmt.run.get(runId) === undefined) throw runNotFound(runId)
    throw metricNotFound(runId, key)
  }

  async metricKeys(runId: string): Promise<api.MetricKeyInfo[]> {
    return this.read(() => {
      if (this.stmt.run.get(runId) === undefined) throw runNotFound(runId)
      return this.stmt.seriesOfRun.all(runId).map(metricKeyInfo)
    })
  }

  async readMetadata(query: api.MetadataQuery): Promise<api.PointMetadata[]> {
    const q = checkMetadataQuery(query)
    return this.read(() => {
      if (this.stmt.run.get(query.runId) === undefined) throw runNotFound(query.runId)
      return this.stmt.metadata.all({ run: query.runId, ...q }).map(pointMetadata)
    })
  }

  async readValues(query: api.ValueQuery): Promise<api.RunValueInfo[]> {
    const q = checkValueQuery(query)
    return this.read(() => {
      if (this.stmt.run.get(query.runId) === undefined) throw runNotFound(query.runId)
      return this.stmt.values.all({ run: query.runId, ...q }).map(runValue)
    })
  }

  async valueKeys(runId: string): Promise<api.ValueKeyInfo[]> {
    return this.read(() => {
      if (this.stmt.run.get(runId) === undefined) throw runNotFound(runId)
      return valueKeyInfos(this.stmt.valueSteps.iterate(runId))
    })
  }

  async valueImage(runId: string, key: string, step: number): Promise<{ mime: string; bytes: Buffer } | undefined> {
    return this.read(() => {
      if (this.stmt.run.get(runId) === undefined) throw runNotFound(runId)
      const row = this.stmt.valueImage.get(runId, key, step)
      return row?.data ? imageOf(row.payload, row.data) : undefined
    })
  }

  async readConsole(query: api.ConsoleQuery): Promise<api.ConsoleLineInfo[]> {
    const q = checkConsoleQuery(query)
    return this.read(() => {
      if (this.stmt.run.get(query.runId) === undefined) throw runNotFound(query.runId)
      if (q.before === undefined) return this.stmt.consoleAfter.all(query.runId, q.after, q.limit).map(consoleLine)
      return this.stmt.consoleBefore.all(query.runId, q.before, q.limit).reverse().map(consoleLine)
    })
  }

  async listArtifacts(project: string, workspace: string = DEFAULT_WORKSPACE): Promise<api.ArtifactNameInfo[]> {
    return this.read(() => this.artifacts.names({ workspace, project }))
  }

  async listArtifactVersions(project: string, name: string, workspace: string = DEFAULT_WORKSPACE): Promise<api.ArtifactVersionInfo[]> {
    return this.read(() => this.artifacts.versions({ workspace, project }, name))
  }

  async getArtifact(
    project: string,
    name: string,
    ref: string,
    workspace: string = DEFAULT_WORKSPACE,
  ): Promise<api.ArtifactVersionInfo | undefined> {
    return this.read(() => this.artifacts.get({ workspace, project }, name, ref))
  }

  async runArtifacts(runId: string): Promise<api.ArtifactVersionInfo[]> {
    return this.read(() => {
      if (this.stmt.run.get(runId) === undefined) throw runNotFound(runId)
      return this.artifacts.ofRun(runId)
    })
  }

  async readSeries(query: api.SeriesQuery): Promise<api.SeriesRaw> {
    const q = checkSeriesQuery(query)
    return this.read(() => {
      const s = this.series(query.runId, query.key)
      const { lo, hi, cursor, reset } = rawWindow(q, s)
      return { run: query.runId, key: query.key, ...this.readPoints(s.id, lo, hi), cursor, reset }
    })
  }

  /** Points with steps in [lo, hi], decoding only the chunks that overlap it. */
  private readPoints(seriesId: number, lo: number, hi: number): PointColumns {
    if (lo > hi) return pointColumns(0)
    const rows = this.stmt.chunksIn.all({ series: seriesId, lo, hi })
    return pointsWithin(decodeChunks(rows.map((r) => r[3])), lo, hi)
  }

  async readBuckets(query: api.BucketQuery): Promise<api.SeriesBuckets> {
    const range = checkBucketQuery(query)
    return this.read(() => {
      const s = this.series(query.runId, query.key)
      const b = new BucketRead(query, range, s)
      if (b.lo <= b.hi) {
        const chunks = this.stmt.chunkStatsIn.all({ series: s.id, lo: b.lo, hi: b.hi, w: BigInt(b.width) })
        for (const [first, last, n, min, max, lastValue, lastTime, data] of chunks) {
          b.addChunk(first, last, n, min ?? Number.NaN, max ?? Number.NaN, lastValue ?? Number.NaN, lastTime, data)
        }
      }
      return { run: query.runId, key: query.key, width: b.width, buckets: b.finish() }
    })
  }

  async *exportPoints(project: string, workspace: string = DEFAULT_WORKSPACE): AsyncGenerator<api.ExportChunk> {
    const ws = this.stmt.workspace.get(workspace)
    if (ws === undefined) return
    // Small reads, each on its own: no statement stays open across a yield.
    for (const run of this.stmt.runsOfProject.all(ws.id, project)) {
      for (const s of this.stmt.seriesOfRun.all(run.id)) {
        let after = -1
        for (;;) {
          const rows = this.stmt.chunksAfter.all(s.id, after, EXPORT_CHUNKS)
          const lastRow = rows[rows.length - 1]
          if (lastRow === undefined) break
          yield { runId: run.id, runName: run.name, key: s.key, ...decodeChunks(rows.map((r) => r[3])) }
          after = lastRow[0]
        }
      }
    }
  }

  async close(): Promise<void> {
    this.watchers.clear()
    if (this.db.open) this.db.close()
  }
}
