/** The rows of the SQLite schema as TypeScript sees them, and every fixed statement. */
import { type JsonValue, parseTagged, type RunStatus } from '@tally/sdk/spool'
import type Database from 'better-sqlite3'
import { CHUNK_POINTS } from '../chunks.js'
import type { ProjectInfo } from '../store.js'

/** Every project lives in the default workspace until workspaces reach the API. */
const WORKSPACE = 1

export type JsonObject = { [key: string]: JsonValue }

export interface RunRow {
  id: string
  project_id: number
  name: string
  group_name: string | null
  tags: string
  description: string | null
  config: string
  explicit_summary: string
  results: string
  summary: string
  status: RunStatus
  error: string | null
  created_at: number
  updated_at: number
  finished_at: number | null
  heartbeat_at: number
  last_step: number | null
  system: string
}

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

export interface SeriesRow {
  id: number
  count: number
  first_step: number
  last_step: number
  last_value: number | null
  rewrites: number
}

export type LivenessRow = Pick<WriterRow, 'host' | 'pid' | 'last_seen_at' | 'closed'>
/** [first_step, last_step, n, data] */
export type ChunkRow = [number, number, number, Buffer]
/** [first_step, last_step, n, min, max, last, data or null when the stats suffice] */
export type ChunkStatsRow = [number, number, number, number | null, number | null, number | null, Buffer | null]

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** A JSON column's object (tagged JSON, so NaN and ±Infinity come back as numbers). */
export function parseObject(text: string): JsonObject {
  const v = parseTagged(text)
  return isObject(v) ? v : {}
}

export type Statements = ReturnType<typeof prepareStatements>

export function prepareStatements(db: Database.Database) {
  // Chunks overlapping [@lo, @hi]: chunks are disjoint and ordered, so the first one is the
  // last to start at or before @lo, found through the primary key instead of a scan.
  const chunkRange = `series_id = @series AND first_step <= @hi
    AND first_step >= coalesce((SELECT max(first_step) FROM chunks WHERE series_id = @series AND first_step <= @lo), 0)`
  return {
    writer: db.prepare<[string], WriterRow>('SELECT * FROM writers WHERE writer_id = ?'),
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
    project: db.prepare<[string], { id: number }>(`SELECT id FROM projects WHERE workspace_id = ${WORKSPACE} AND name = ?`),
    insertProject: db.prepare(
      `INSERT INTO projects (workspace_id, name, created_at, last_activity_at) VALUES (${WORKSPACE}, ?, ?, ?)
       ON CONFLICT (workspace_id, name) DO NOTHING`,
    ),
    touchProject: db.prepare('UPDATE projects SET last_activity_at = max(last_activity_at, ?) WHERE id = ?'),
    projects: db.prepare<[], ProjectInfo>(
      `SELECT p.name, count(r.id) AS runs, p.created_at AS createdAt, p.last_activity_at AS lastActivityAt
       FROM projects p LEFT JOIN runs r ON r.project_id = p.id WHERE p.workspace_id = ${WORKSPACE}
       GROUP BY p.id ORDER BY p.last_activity_at DESC, p.name`,
    ),
    run: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
    runWithProject: db.prepare<[string], RunRow & { project: string }>(
      'SELECT r.*, p.name AS project FROM runs r JOIN projects p ON p.id = r.project_id WHERE r.id = ?',
    ),
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
    runsOfProject: db.prepare<[string], { id: string; name: string }>(
      `SELECT r.id, r.name FROM runs r JOIN projects p ON p.id = r.project_id
       WHERE p.workspace_id = ${WORKSPACE} AND p.name = ? ORDER BY r.created_at, r.id`,
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
        `SELECT first_step, last_step, n, min, max, last,
         CASE WHEN first_step >= @lo AND last_step <= @hi AND first_step / @w = last_step / @w THEN NULL ELSE data END
       FROM chunks WHERE ${chunkRange} ORDER BY first_step`,
      )
      .raw(),
    chunksAfter: db
      .prepare<[number, number, number], ChunkRow>(
        'SELECT first_step, last_step, n, data FROM chunks WHERE series_id = ? AND first_step > ? ORDER BY first_step LIMIT ?',
      )
      .raw(),
    insertChunk: db.prepare(
      'INSERT INTO chunks (series_id, first_step, last_step, n, min, max, last, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    updateChunk: db.prepare(
      'UPDATE chunks SET last_step = ?, n = ?, min = ?, max = ?, last = ?, data = ? WHERE series_id = ? AND first_step = ?',
    ),
    deleteChunks: db.prepare('DELETE FROM chunks WHERE series_id = ? AND first_step BETWEEN ? AND ?'),
  }
}
