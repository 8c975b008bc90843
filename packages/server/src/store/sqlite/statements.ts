/**
 * The rows of the SQLite schema as TypeScript sees them (those both schemas share are in
 * `../rows.ts`), and every fixed statement.
 */
import type Database from 'better-sqlite3'
import { CHUNK_POINTS } from '../chunks.js'
import type { ValueRow } from '../reads.js'
import type { KeyRow, RunRow } from '../rows.js'
import type { ProjectInfo } from '../store.js'

export interface WriterRow {
  writer_id: string
  run_id: string
  acked_seq: number
  file: string | null
  offset: number
  host: string
  pid: number
  runtime: string
  last_seen_at: number
  closed: number
}

export interface ConsoleRow {
  seq: number
  stream: string
  at: number
  text: string
  truncated: number
}

export interface SeriesRow {
  id: number
  count: number
  first_step: number
  last_step: number
  last_value: number | null
  rewrites: number
}

export interface WorkspaceRow {
  id: number
  name: string
  created_at: number
}

export type LivenessRow = Pick<WriterRow, 'host' | 'pid' | 'last_seen_at' | 'closed'>
/** [first_step, last_step, n, data] */
export type ChunkRow = [number, number, number, Buffer]
/** [first_step, last_step, n, min, max, last, last_time, data or null when the stats suffice] */
export type ChunkStatsRow = [number, number, number, number | null, number | null, number | null, number | null, Buffer | null]

export type Statements = ReturnType<typeof prepareStatements>

export function prepareStatements(db: Database.Database) {
  // Chunks overlapping [@lo, @hi]: chunks are disjoint and ordered, so the first one is the
  // last to start at or before @lo, found through the primary key instead of a scan.
  const chunkRange = `series_id = @series AND first_step <= @hi
    AND first_step >= coalesce((SELECT max(first_step) FROM chunks WHERE series_id = @series AND first_step <= @lo), 0)`
  return {
    writer: db.prepare<[string], WriterRow>('SELECT * FROM writers WHERE writer_id = ?'),
    writerWithWorkspace: db.prepare<[string], WriterRow & { workspace: string }>(
      `SELECT wr.*, ws.name AS workspace FROM writers wr JOIN runs r ON r.id = wr.run_id JOIN projects p ON p.id = r.project_id
       JOIN workspaces ws ON ws.id = p.workspace_id WHERE wr.writer_id = ?`,
    ),
    closeWriters: db.prepare<[string]>('UPDATE writers SET closed = 1 WHERE run_id = ?'),
    insertWriter: db.prepare(
      `INSERT INTO writers (writer_id, run_id, acked_seq, host, pid, runtime, last_seen_at)
       VALUES (@writer_id, @run_id, @acked_seq, @host, @pid, @runtime, @last_seen_at)
       ON CONFLICT (writer_id) DO UPDATE SET host = excluded.host, pid = excluded.pid, runtime = excluded.runtime, closed = 0`,
    ),
    updateWriter: db.prepare(
      `UPDATE writers SET acked_seq = @acked_seq, file = @file, offset = @offset, last_seen_at = @last_seen_at, closed = @closed
       WHERE writer_id = @writer_id`,
    ),
    liveness: db.prepare<[string], LivenessRow>('SELECT host, pid, last_seen_at, closed FROM writers WHERE run_id = ?'),
    // Every run has a writer (the one whose run event made it), so the join misses no run.
    runningWriters: db.prepare<[number], LivenessRow & { run_id: string }>(
      `SELECT w.run_id, w.host, w.pid, w.last_seen_at, w.closed FROM runs r JOIN writers w ON w.run_id = r.id
       WHERE r.project_id = ? AND r.status = 'running'`,
    ),
    workspace: db.prepare<[string], WorkspaceRow>('SELECT id, name, created_at FROM workspaces WHERE name = ?'),
    workspaces: db.prepare<[], WorkspaceRow>('SELECT id, name, created_at FROM workspaces ORDER BY name'),
    insertWorkspace: db.prepare<[string, number]>('INSERT INTO workspaces (name, created_at) VALUES (?, ?)'),
    /** The workspace a run lives in, through its project. */
    runWorkspace: db.prepare<[string], { workspace_id: number }>(
      'SELECT p.workspace_id FROM runs r JOIN projects p ON p.id = r.project_id WHERE r.id = ?',
    ),
    project: db.prepare<[number, string], { id: number }>('SELECT id FROM projects WHERE workspace_id = ? AND name = ?'),
    insertProject: db.prepare<[number, string, number, number]>(
      `INSERT INTO projects (workspace_id, name, created_at, last_activity_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (workspace_id, name) DO NOTHING`,
    ),
    projectNames: db.prepare<[number], { project: string; workspace: string }>(
      'SELECT p.name AS project, w.name AS workspace FROM projects p JOIN workspaces w ON w.id = p.workspace_id WHERE p.id = ?',
    ),
    touchProject: db.prepare('UPDATE projects SET last_activity_at = max(last_activity_at, ?) WHERE id = ?'),
    projects: db.prepare<[number], ProjectInfo>(
      `SELECT p.name, w.name AS workspace, count(r.id) AS runs, p.created_at AS createdAt, p.last_activity_at AS lastActivityAt
       FROM projects p JOIN workspaces w ON w.id = p.workspace_id LEFT JOIN runs r ON r.project_id = p.id
       WHERE p.workspace_id = ? GROUP BY p.id ORDER BY p.last_activity_at DESC, p.name`,
    ),
    run: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
    runWithProject: db.prepare<[string], RunRow & { project: string; workspace: string }>(
      `SELECT r.*, p.name AS project, w.name AS workspace FROM runs r JOIN projects p ON p.id = r.project_id
       JOIN workspaces w ON w.id = p.workspace_id WHERE r.id = ?`,
    ),
    deleteRun: db.prepare<[string]>('DELETE FROM runs WHERE id = ?'),
    upsertMetadata: db.prepare<[string, string, number, string]>(
      'INSERT INTO point_metadata (run_id, key, step, metadata) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, key, step) DO UPDATE SET metadata = excluded.metadata',
    ),
    metadata: db.prepare<
      { run: string; key: string | null; lo: number; hi: number; limit: number },
      { key: string; step: number; metadata: string }
    >(
      `SELECT key, step, metadata FROM point_metadata WHERE run_id = @run AND (@key IS NULL OR key = @key)
       AND step BETWEEN @lo AND @hi ORDER BY key, step LIMIT @limit`,
    ),
    upsertValue: db.prepare<[string, string, number, string, number, string, Buffer | null]>(
      `INSERT INTO run_values (run_id, key, step, kind, at, payload, data) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, key, step) DO UPDATE SET kind = excluded.kind, at = excluded.at, payload = excluded.payload, data = excluded.data`,
    ),
    values: db.prepare<{ run: string; key: string | null; lo: number; hi: number; limit: number }, ValueRow>(
      `SELECT key, step, kind, at, payload FROM run_values WHERE run_id = @run AND (@key IS NULL OR key = @key)
       AND step BETWEEN @lo AND @hi ORDER BY key, step LIMIT @limit`,
    ),
    valueSteps: db.prepare<[string], { key: string; kind: string; step: number }>(
      'SELECT key, kind, step FROM run_values WHERE run_id = ? ORDER BY key, step',
    ),
    valueImage: db.prepare<[string, string, number], { payload: string; data: Buffer | null }>(
      "SELECT payload, data FROM run_values WHERE run_id = ? AND key = ? AND step = ? AND kind = 'image'",
    ),
    lastConsoleSeq: db.prepare<[string], { seq: number }>('SELECT COALESCE(MAX(seq), 0) AS seq FROM console_lines WHERE run_id = ?'),
    insertConsole: db.prepare<[string, number, string, number, string, number]>(
      'INSERT INTO console_lines (run_id, seq, stream, at, text, truncated) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    consoleAfter: db.prepare<[string, number, number], ConsoleRow>(
      'SELECT seq, stream, at, text, truncated FROM console_lines WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    consoleBefore: db.prepare<[string, number, number], ConsoleRow>(
      'SELECT seq, stream, at, text, truncated FROM console_lines WHERE run_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
    ),
    insertDeletedRun: db.prepare<[string, number, number]>(
      'INSERT OR REPLACE INTO deleted_runs (run_id, workspace_id, deleted_at) VALUES (?, ?, ?)',
    ),
    deletedRun: db.prepare<[string], { workspace_id: number }>('SELECT workspace_id FROM deleted_runs WHERE run_id = ?'),
    /** Tombstones for the writers of a run about to be deleted. */
    buryWriters: db.prepare<[number, string]>(
      `INSERT OR REPLACE INTO deleted_writers (writer_id, run_id, workspace_id, acked_seq)
       SELECT writer_id, run_id, ?, acked_seq FROM writers WHERE run_id = ?`,
    ),
    deletedWriter: db.prepare<[string], { workspace_id: number; acked_seq: number }>(
      'SELECT workspace_id, acked_seq FROM deleted_writers WHERE writer_id = ?',
    ),
    upsertDeletedWriter: db.prepare<[string, string, number, number]>(
      `INSERT INTO deleted_writers (writer_id, run_id, workspace_id, acked_seq) VALUES (?, ?, ?, ?)
       ON CONFLICT (writer_id) DO UPDATE SET acked_seq = max(acked_seq, excluded.acked_seq)`,
    ),
    insertKey: db.prepare(
      `INSERT INTO api_keys (id, workspace_id, role, hash, prefix, name, created_at)
       VALUES (@id, @workspace_id, @role, @hash, @prefix, @name, @created_at)`,
    ),
    keyByHash: db.prepare<[string], KeyRow>(
      `SELECT k.id, w.name AS workspace, k.role, k.prefix, k.name, k.created_at, k.revoked_at
       FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id WHERE k.hash = ? AND k.revoked_at IS NULL`,
    ),
    keys: db.prepare<{ ws: string | null }, KeyRow>(
      `SELECT k.id, w.name AS workspace, k.role, k.prefix, k.name, k.created_at, k.revoked_at
       FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id WHERE @ws IS NULL OR w.name = @ws
       ORDER BY k.created_at DESC, k.id`,
    ),
    revokeKey: db.prepare<[number, string]>('UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?'),
    insertRun: db.prepare(
      `INSERT INTO runs (id, project_id, name, group_name, tags, description, config, explicit_summary, results, summary,
         status, error, created_at, updated_at, finished_at, heartbeat_at, last_step, system)
       VALUES (@id, @project_id, @name, @group_name, @tags, @description, @config, @explicit_summary, @results, @summary,
         @status, @error, @created_at, @updated_at, @finished_at, @heartbeat_at, @last_step, @system)`,
    ),
    updateRun: db.prepare(
      `UPDATE runs SET name = @name, group_name = @group_name, tags = @tags, description = @description, config = @config,
         explicit_summary = @explicit_summary, results = @results, summary = @summary, status = @status, error = @error,
         updated_at = @updated_at, finished_at = @finished_at, heartbeat_at = @heartbeat_at, last_step = @last_step, system = @system
       WHERE id = @id`,
    ),
    runsOfProject: db.prepare<[number, string], { id: string; name: string }>(
      `SELECT r.id, r.name FROM runs r JOIN projects p ON p.id = r.project_id
       WHERE p.workspace_id = ? AND p.name = ? ORDER BY r.created_at, r.id`,
    ),
    seriesById: db.prepare<[number], SeriesRow>('SELECT id, count, first_step, last_step, last_value, rewrites FROM series WHERE id = ?'),
    seriesByKey: db.prepare<[string, string], SeriesRow>(
      'SELECT id, count, first_step, last_step, last_value, rewrites FROM series WHERE run_id = ? AND key = ?',
    ),
    insertSeries: db.prepare('INSERT INTO series (run_id, key, count, first_step, last_step, last_value) VALUES (?, ?, ?, ?, ?, ?)'),
    updateSeries: db.prepare('UPDATE series SET count = ?, first_step = ?, last_step = ?, last_value = ?, rewrites = ? WHERE id = ?'),
    seriesOfRun: db.prepare<
      [string],
      { id: number; key: string; count: number; first_step: number; last_step: number; last_value: number | null }
    >('SELECT id, key, count, first_step, last_step, last_value FROM series WHERE run_id = ? ORDER BY key'),
    tail: db
      .prepare<[number], [number, number, Buffer | null]>(
        `SELECT first_step, n, CASE WHEN n < ${CHUNK_POINTS} THEN data END FROM chunks
         WHERE series_id = ? ORDER BY first_step DESC LIMIT 1`,
      )
      .raw(),
    chunksIn: db
      .prepare<{ series: number; lo: number; hi: number }, ChunkRow>(
        `SELECT first_step, last_step, n, data FROM chunks WHERE ${chunkRange} ORDER BY first_step`,
      )
      .raw(),
    chunkStatsIn: db
      .prepare<{ series: number; lo: number; hi: number; w: bigint }, ChunkStatsRow>(
        `SELECT first_step, last_step, n, min, max, last, last_time,
         CASE WHEN first_step >= @lo AND last_step <= @hi AND first_step / @w = last_step / @w AND last_time IS NOT NULL
           THEN NULL ELSE data END
       FROM chunks WHERE ${chunkRange} ORDER BY first_step`,
      )
      .raw(),
    chunksAfter: db
      .prepare<[number, number, number], ChunkRow>(
        'SELECT first_step, last_step, n, data FROM chunks WHERE series_id = ? AND first_step > ? ORDER BY first_step LIMIT ?',
      )
      .raw(),
    insertChunk: db.prepare(
      'INSERT INTO chunks (series_id, first_step, last_step, n, min, max, last, last_time, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    updateChunk: db.prepare(
      'UPDATE chunks SET last_step = ?, n = ?, min = ?, max = ?, last = ?, last_time = ?, data = ? WHERE series_id = ? AND first_step = ?',
    ),
    deleteChunks: db.prepare('DELETE FROM chunks WHERE series_id = ? AND first_step BETWEEN ? AND ?'),
  }
}
