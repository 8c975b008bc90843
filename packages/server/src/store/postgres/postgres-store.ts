import { randomUUID } from 'node:crypto'
import { TallyError } from '@tally/sdk'
import type { RunStatus, SpoolRecord } from '@tally/sdk/spool'
import type { PoolClient } from 'pg'
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
import { type Watcher, Watchers } from '../watchers.js'
import { ChangeListener, notifyPayloads } from './changes.js'
import { Connection, storeError } from './connection.js'
import { type IngestWorkspace, ingestRecords } from './ingest.js'
import { migrate } from './migrations.js'
import { artifactNames, artifactsOfRun, artifactVersion, artifactVersions } from './postgres-artifacts.js'
import { parseRunQuery } from './queries.js'
import { all, type ChunkRow, first, type NamedRunRow, type Queryable, run, type SeriesRow, SQL, saveRun } from './statements.js'

export interface PostgresStoreOptions extends LivenessOptions {
  /** Connections in the pool. Default 10. */
  poolSize?: number
}

/**
 * Open (creating and migrating the schema as needed) the PostgreSQL store at `url`. Any
 * number of server processes may open one database at once: they share runs, ingest the
 * same writers safely, and tell each other's watchers of changes.
 *
 * @example const store = await openPostgresStore('postgres://tally@db.internal/tally')
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const store = new PostgresStore(url, options)
  try {
    await migrate(store.db.pool, store.db.where)
  } catch (e) {
    await store.close()
    throw storeError(e, store.db.where)
  }
  return store
}

const UNIQUE_VIOLATION = '23505'

export class PostgresStore implements api.Store {
  /** The connection pool; open for migrations and for tools that inspect the database (benchmarks, tests). */
  readonly db: Connection
  private readonly now: () => number
  private readonly liveness: Liveness
  /** Tags this store's notifications, so it does not report its own changes twice. */
  private readonly origin = randomUUID()
  private readonly watchers = new Watchers()
  /** Started by the first watcher, so stores nobody watches hold no extra connection. */
  private changeListener: ChangeListener | undefined
  /** Workspace ids by name: workspaces are never renamed or deleted, so these never go stale. */
  private readonly workspaceIds = new Map<string, number>()
  private closing: Promise<void> | undefined

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.now = options.now ?? Date.now
    this.liveness = new Liveness(options)
    this.db = new Connection(url, options.poolSize ?? 10)
  }

  // ---------------------------------------------------------------------------------------
  // Changes

  /**
   * A write transaction whose changes are published to other processes inside it (so they
   * hear exactly of what commits) and reported to this store's watchers after the commit.
   */
  private async write<T>(fn: (client: PoolClient) => Promise<{ value: T; changes: api.StoreChange[] }>): Promise<T> {
    const { value, changes } = await this.db.transaction(async (client) => {
      const result = await fn(client)
      if (result.changes.length > 0) await run(client, SQL.notify, [notifyPayloads(this.origin, result.changes)])
      return result
    })
    for (const change of changes) this.watchers.emit(change)
    return value
  }

  watch(listener: Watcher): () => void {
    const stop = this.watchers.add(listener)
    this.listening()
    return stop
  }

  /** Resolves once changes from other processes are being received (LISTEN is in effect). */
  listening(): Promise<void> {
    if (this.closing !== undefined) return Promise.resolve()
    this.changeListener ??= new ChangeListener(this.db.config, this.origin, (change) => this.watchers.emit(change))
    return this.changeListener.ready()
  }

  // ---------------------------------------------------------------------------------------
  // Ingest and writers

  /** A workspace by name; `not_found` when there is none. */
  private async workspace(db: Queryable, name: string): Promise<IngestWorkspace> {
    let id = this.workspaceIds.get(name)
    if (id === undefined) {
      const row = await first(db, SQL.workspace, [name])
      if (row === undefined) throw workspaceNotFound(name)
      id = row.id
      this.workspaceIds.set(name, id)
    }
    return { id, name }
  }

  async ingest(writerId: string, records: readonly SpoolRecord[], options: api.IngestOptions = {}): Promise<api.IngestAck> {
    return this.write(async (client) => {
      const workspace = await this.workspace(client, options.workspace ?? DEFAULT_WORKSPACE)
      const result = await ingestRecords(client, writerId, records, workspace, options)
      return { value: result.ack, changes: result.changes }
    })
  }

  async writerState(writerId: string): Promise<api.WriterState | undefined> {
    const w = await this.db.query((db) => first(db, SQL.writerWithWorkspace, [writerId]))
    return w === undefined ? undefined : toWriterState(w, w.file_offset)
  }

  // ---------------------------------------------------------------------------------------
  // Workspaces and projects

  async createWorkspace(name: string): Promise<api.WorkspaceInfo> {
    checkWorkspaceName(name)
    const createdAt = this.now()
    try {
      await this.db.query((db) => run(db, SQL.insertWorkspace, [name, createdAt]))
    } catch (e) {
      if ((e as { code?: unknown }).code !== UNIQUE_VIOLATION) throw e
      throw workspaceTaken(name)
    }
    return { name, createdAt }
  }

  async listWorkspaces(): Promise<api.WorkspaceInfo[]> {
    const rows = await this.db.query((db) => all(db, SQL.workspaces, []))
    return rows.map((w) => ({ name: w.name, createdAt: w.created_at }))
  }

  async listProjects(workspace: string = DEFAULT_WORKSPACE): Promise<api.ProjectInfo[]> {
    return this.db.query((db) => all(db, SQL.projects, [workspace]))
  }

  // ---------------------------------------------------------------------------------------
  // Runs

  async getRun(runId: string): Promise<api.RunInfo | undefined> {
    // One statement, so the run and its writers' liveness come from one snapshot.
    const row = await this.db.query((db) => first(db, SQL.runWithWriters, [runId]))
    if (row === undefined) return undefined
    const writers = JSON.parse(row.writers ?? '[]') as [string, number, number, boolean][]
    const dead =
      row.status === 'running' &&
      this.liveness.dead(writers.map(([host, pid, last_seen_at, closed]) => ({ host, pid, last_seen_at, closed })))
    return toRunInfo(row, dead ? 'crashed' : row.status)
  }

  async listRuns(query: api.RunQuery): Promise<api.RunPage> {
    const q = parseRunQuery(query)
    const empty = { runs: [], total: 0, offset: q.offset, limit: q.limit }
    return this.db.read(async (client) => {
      const ws = await first(client, SQL.workspace, [q.workspace])
      const project = ws === undefined ? undefined : await first(client, SQL.project, [ws.id, q.project])
      if (project === undefined) return empty
      // Pids cannot be checked in SQL, so the crashed runs are found first and passed in,
      // for status filters and sorts to see the status as read.
      const from = `FROM (SELECT r.*, CASE WHEN r.status = 'running' AND r.id = ANY($1::text[]) THEN 'crashed'
        ELSE r.status END AS derived_status FROM runs r WHERE r.project_id = $2) r`
      const where = q.where.length > 0 ? `WHERE ${q.where.join(' AND ')}` : ''
      const head = [this.liveness.crashedRuns(await all(client, SQL.runningWriters, [project.id])), project.id]
      const count = await client.query<{ n: number }>(`SELECT count(*) AS n ${from} ${where}`, [
        ...head,
        ...q.params.slice(0, q.whereParams),
      ])
      const rows = await client.query<RunRow & { derived_status: RunStatus }>(
        `SELECT r.* ${from} ${where} ORDER BY ${q.orderBy} LIMIT ${q.limit} OFFSET ${q.offset}`,
        [...head, ...q.params],
      )
      const runs = rows.rows.map((row) => toRunInfo({ ...row, project: q.project, workspace: q.workspace }, row.derived_status))
      return { runs, total: count.rows[0]?.n ?? 0, offset: q.offset, limit: q.limit }
    })
  }

  /** The run, locked for change, or `not_found`. */
  private async lockRun(client: PoolClient, runId: string): Promise<NamedRunRow> {
    const row = await first(client, SQL.lockRun, [runId])
    if (row === undefined) throw runNotFound(runId)
    return row
  }

  async updateRun(runId: string, patch: api.RunPatch): Promise<api.RunInfo> {
    const p = checkRunPatch(patch)
    await this.write(async (client) => {
      const r = await this.lockRun(client, runId)
      if (applyRunPatch(r, p, this.now())) await run(client, SQL.closeWriters, [runId])
      await saveRun(client, r)
      return { value: undefined, changes: [{ type: 'run', workspace: r.workspace, project: r.project, runId }] }
    })
    return (await this.getRun(runId)) as api.RunInfo
  }

  async deleteRun(runId: string): Promise<void> {
    await this.write(async (client) => {
      const r = await this.lockRun(client, runId)
      await run(client, SQL.buryWriters, [r.workspace_id, runId])
      await run(client, SQL.insertDeletedRun, [runId, r.workspace_id, this.now()])
      await run(client, SQL.deleteRun, [runId])
      return { value: undefined, changes: [{ type: 'run', workspace: r.workspace, project: r.project, runId, deleted: true }] }
    })
  }

  // ---------------------------------------------------------------------------------------
  // Series

  private async series(db: Queryable, runId: string, key: string): Promise<SeriesRow> {
    const row = await first(db, SQL.seriesByKey, [runId, key])
    if (row !== undefined) return row
    if ((await first(db, SQL.runExists, [runId])) === undefined) throw runNotFound(runId)
    throw metricNotFound(runId, key)
  }

  async metricKeys(runId: string): Promise<api.MetricKeyInfo[]> {
    return this.db.read(async (client) => {
      if ((await first(client, SQL.runExists, [runId])) === undefined) throw runNotFound(runId)
      return (await all(client, SQL.seriesOfRun, [runId])).map(metricKeyInfo)
    })
  }

  async readMetadata(query: api.MetadataQuery): Promise<api.PointMetadata[]> {
    const q = checkMetadataQuery(query)
    return this.db.read(async (client) => {
      if ((await first(client, SQL.runExists, [query.runId])) === undefined) throw runNotFound(query.runId)
      return (await all(client, SQL.metadata, [query.runId, q.key, q.lo, q.hi, q.limit])).map(pointMetadata)
    })
  }

  async readValues(query: api.ValueQuery): Promise<api.RunValueInfo[]> {
    const q = checkValueQuery(query)
    return this.db.read(async (client) => {
      if ((await first(client, SQL.runExists, [query.runId])) === undefined) throw runNotFound(query.runId)
      return (await all(client, SQL.values, [query.runId, q.key, q.lo, q.hi, q.limit])).map(runValue)
    })
  }

  async valueKeys(runId: string): Promise<api.ValueKeyInfo[]> {
    return this.db.read(async (client) => {
      if ((await first(client, SQL.runExists, [runId])) === undefined) throw runNotFound(runId)
      return valueKeyInfos(await all(client, SQL.valueSteps, [runId]))
    })
  }

  async valueImage(runId: string, key: string, step: number): Promise<{ mime: string; bytes: Buffer } | undefined> {
    return this.db.read(async (client) => {
      if ((await first(client, SQL.runExists, [runId])) === undefined) throw runNotFound(runId)
      const row = await first(client, SQL.valueImage, [runId, key, step])
      return row?.data ? imageOf(row.payload, row.data) : undefined
    })
  }

  async readConsole(query: api.ConsoleQuery): Promise<api.ConsoleLineInfo[]> {
    const q = checkConsoleQuery(query)
    return this.db.read(async (client) => {
      if ((await first(client, SQL.runExists, [query.runId])) === undefined) throw runNotFound(query.runId)
      if (q.before === undefined) return (await all(client, SQL.consoleAfter, [query.runId, q.after, q.limit])).map(consoleLine)
      return (await all(client, SQL.consoleBefore, [query.runId, q.before, q.limit])).reverse().map(consoleLine)
    })
  }

  async listArtifacts(project: string, workspace: string = DEFAULT_WORKSPACE): Promise<api.ArtifactNameInfo[]> {
    return this.db.read((client) => artifactNames(client, { workspace, project }))
  }

  async listArtifactVersions(project: string, name: string, workspace: string = DEFAULT_WORKSPACE): Promise<api.ArtifactVersionInfo[]> {
    return this.db.read((client) => artifactVersions(client, { workspace, project }, name))
  }

  async getArtifact(
    project: string,
    name: string,
    ref: string,
    workspace: string = DEFAULT_WORKSPACE,
  ): Promise<api.ArtifactVersionInfo | undefined> {
    return this.db.read((client) => artifactVersion(client, { workspace, project }, name, ref))
  }

  async runArtifacts(runId: string): Promise<api.ArtifactVersionInfo[]> {
    return this.db.read(async (client) => {
      if ((await first(client, SQL.runExists, [runId])) === undefined) throw runNotFound(runId)
      return artifactsOfRun(client, runId)
    })
  }

  async readSeries(query: api.SeriesQuery): Promise<api.SeriesRaw> {
    const q = checkSeriesQuery(query)
    return this.db.read(async (client) => {
      const s = await this.series(client, query.runId, query.key)
      const { lo, hi, cursor, reset } = rawWindow(q, s)
      return { run: query.runId, key: query.key, ...(await this.readPoints(client, s.id, lo, hi)), cursor, reset }
    })
  }

  /** Points with steps in [lo, hi], decoding only the chunks that overlap it. */
  private async readPoints(db: Queryable, seriesId: number, lo: number, hi: number): Promise<PointColumns> {
    if (lo > hi) return pointColumns(0)
    return pointsWithin(decodeRows(await all(db, SQL.chunksIn, [seriesId, lo, hi])), lo, hi)
  }

  async readBuckets(query: api.BucketQuery): Promise<api.SeriesBuckets> {
    const range = checkBucketQuery(query)
    return this.db.read(async (client) => {
      const s = await this.series(client, query.runId, query.key)
      const b = new BucketRead(query, range, s)
      if (b.lo <= b.hi) {
        for (const c of await all(client, SQL.chunkStatsIn, [s.id, b.lo, b.hi, b.width])) {
          b.addChunk(
            c.first_step,
            c.last_step,
            c.n,
            c.min,
            c.max,
            c.last,
            c.last_time,
            c.data === null ? null : Buffer.from(c.data, 'base64'),
          )
        }
      }
      return { run: query.runId, key: query.key, width: b.width, buckets: b.finish() }
    })
  }

  async *exportPoints(project: string, workspace: string = DEFAULT_WORKSPACE): AsyncGenerator<api.ExportChunk> {
    // Small reads, each on its own: no connection is held across a yield.
    for (const r of await this.db.query((db) => all(db, SQL.runsOfProject, [workspace, project]))) {
      for (const s of await this.db.query((db) => all(db, SQL.seriesOfRun, [r.id]))) {
        let after = -1
        for (;;) {
          const rows = await this.db.query((db) => all(db, SQL.chunksAfter, [s.id, after, EXPORT_CHUNKS]))
          const lastRow = rows[rows.length - 1]
          if (lastRow === undefined) break
          yield { runId: r.id, runName: r.name, key: s.key, ...decodeRows(rows) }
          after = lastRow.first_step
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // API keys

  async createKey(key: api.NewApiKey): Promise<api.ApiKeyInfo> {
    checkNewKey(key)
    const createdAt = this.now()
    try {
      await this.db.query(async (db) => {
        const ws = await this.workspace(db, key.workspace)
        await run(db, SQL.insertKey, [key.id, ws.id, key.role, key.hash, key.prefix, key.name, createdAt])
      })
    } catch (e) {
      if ((e as { code?: unknown }).code !== UNIQUE_VIOLATION) throw e
      throw new TallyError('already_exists', `a key with id ${key.id} (or the same hash) exists already`)
    }
    return { id: key.id, workspace: key.workspace, role: key.role, prefix: key.prefix, name: key.name, createdAt, revokedAt: null }
  }

  async keyByHash(hash: string): Promise<api.ApiKeyInfo | undefined> {
    const row = await this.db.query((db) => first(db, SQL.keyByHash, [hash]))
    return row === undefined ? undefined : keyInfo(row)
  }

  async listKeys(workspace?: string): Promise<api.ApiKeyInfo[]> {
    return (await this.db.query((db) => all(db, SQL.keys, [workspace ?? null]))).map(keyInfo)
  }

  async revokeKey(id: string): Promise<void> {
    const { rowCount } = await this.db.query((db) => run(db, SQL.revokeKey, [this.now(), id]))
    if (rowCount === 0) throw keyNotFound(id)
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.watchers.clear()
      await this.changeListener?.close()
      await this.db.end()
    })()
    return this.closing
  }
}

/** Chunk rows (in step order, blobs as base64) decoded into one set of columns. */
function decodeRows(rows: readonly ChunkRow[]): PointColumns {
  return decodeChunks(rows.map((r) => Buffer.from(r.data, 'base64')))
}
