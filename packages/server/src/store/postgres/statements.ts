/**
 * The rows of the PostgreSQL schema as TypeScript sees them (those both schemas share are in
 * `../rows.ts`), and every fixed statement.
 *
 * Statements are named, so each connection parses and plans them once. Type parsers (see
 * `TYPE_PARSERS`) make `bigint` a number (steps and counts stay below 2^53) and leave
 * `json` columns as their text, for `parseTagged` to read NaN and ±Infinity back.
 */
import type { RunStatus } from '@tally/sdk/spool'
import { type QueryConfig, type QueryResultRow, TypeOverrides, types } from 'pg'
import { CHUNK_POINTS } from '../chunks.js'
import type { ValueRow } from '../reads.js'
import type { KeyRow, RunRow } from '../rows.js'
import type { ProjectInfo } from '../store.js'

export interface ConsoleRow {
  seq: number
  stream: string
  at: number
  text: string
  truncated: boolean
}

export const TYPE_PARSERS = new TypeOverrides()
TYPE_PARSERS.setTypeParser(types.builtins.INT8, Number)
TYPE_PARSERS.setTypeParser(types.builtins.JSON, (text: string) => text)

/** A fixed statement: its parameters and rows are typed, its name makes it prepared. */
export interface Statement<P extends unknown[], R extends QueryResultRow> {
  name: string
  text: string
  /** Never set: only carries the parameter and row types. */
  readonly phantom?: { params: P; row: R }
}

export function statement<P extends unknown[], R extends QueryResultRow = QueryResultRow>(name: string, text: string): Statement<P, R> {
  return { name: `tally_${name}`, text }
}

/** What a statement runs on: the pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow>(config: QueryConfig<unknown[]>): Promise<{ rows: R[]; rowCount: number | null }>
}

export async function run<P extends unknown[], R extends QueryResultRow>(
  db: Queryable,
  st: Statement<P, R>,
  params: P,
): Promise<{ rows: R[]; rowCount: number }> {
  const res = await db.query<R>({ name: st.name, text: st.text, values: params })
  return { rows: res.rows, rowCount: res.rowCount ?? 0 }
}

export async function first<P extends unknown[], R extends QueryResultRow>(
  db: Queryable,
  st: Statement<P, R>,
  params: P,
): Promise<R | undefined> {
  return (await run(db, st, params)).rows[0]
}

export async function all<P extends unknown[], R extends QueryResultRow>(db: Queryable, st: Statement<P, R>, params: P): Promise<R[]> {
  return (await run(db, st, params)).rows
}

/** A run with the names of its project and workspace, for answers and change reports. */
export interface NamedRunRow extends RunRow {
  project: string
  workspace: string
  workspace_id: number
}

export interface WriterRow {
  writer_id: string
  run_id: string
  acked_seq: number
  file: string | null
  file_offset: number
  host: string
  pid: number
  runtime: string
  last_seen_at: number
  closed: boolean
}

export interface SeriesRow {
  id: number
  key: string
  count: number
  first_step: number
  last_step: number
  last_value: number
  rewrites: number
}

export type LivenessRow = Pick<WriterRow, 'host' | 'pid' | 'last_seen_at' | 'closed'>

/** `data` is the blob as base64 (see BLOB): decode with `Buffer.from(data, 'base64')`. */
export interface ChunkRow {
  first_step: number
  last_step: number
  n: number
  data: string
}

/** Chunk stats, with the blob only where a bucketed read must decode it. */
export interface ChunkStatsRow {
  first_step: number
  last_step: number
  n: number
  min: number
  max: number
  last: number
  last_time: number | null
  data: string | null
}

/**
 * Columns are named, never `*`: a prepared `SELECT *` fails ("cached plan must not change
 * result type") once a newer server's migration adds a column to the table.
 */
const RUN = `r.id, r.project_id, r.name, r.group_name, r.tags, r.description, r.config, r.explicit_summary, r.results,
  r.summary, r.status, r.error, r.created_at, r.updated_at, r.finished_at, r.heartbeat_at, r.last_step, r.system`
const WRITER = 'writer_id, run_id, acked_seq, file, file_offset, host, pid, runtime, last_seen_at, closed'
const SERIES = 'id, key, count, first_step, last_step, last_value, rewrites'
const NAMED_RUN = `SELECT ${RUN}, p.name AS project, w.name AS workspace, w.id AS workspace_id
  FROM runs r JOIN projects p ON p.id = r.project_id JOIN workspaces w ON w.id = p.workspace_id`
/**
 * Blobs are read as base64 text: pg reads every column as text, and base64 is 4/3 of the
 * bytes where bytea's hex output is 2/1; a 1 M-point series then reads in about 30 ms, not 40.
 */
const BLOB = "encode(data, 'base64')"
const KEY = `SELECT k.id, w.name AS workspace, k.role, k.prefix, k.name, k.created_at, k.revoked_at
  FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id`
// Chunks overlapping [$2, $3]: chunks are disjoint and ordered, so the first one is the
// last to start at or before $2, found through the primary key instead of a scan.
const CHUNK_RANGE = `series_id = $1 AND first_step <= $3
  AND first_step >= coalesce((SELECT max(first_step) FROM chunks WHERE series_id = $1 AND first_step <= $2), 0)`

export const SQL = {
  // -------------------------------------------------------------------------------------
  // Workspaces and projects
  workspace: statement<[string], { id: number; name: string; created_at: number }>(
    'workspace',
    'SELECT id, name, created_at FROM workspaces WHERE name = $1',
  ),
  workspaces: statement<[], { name: string; created_at: number }>(
    'workspaces',
    'SELECT name, created_at FROM workspaces ORDER BY name COLLATE "C"',
  ),
  insertWorkspace: statement<[string, number]>('insert_workspace', 'INSERT INTO workspaces (name, created_at) VALUES ($1, $2)'),
  project: statement<[number, string], { id: number }>('project', 'SELECT id FROM projects WHERE workspace_id = $1 AND name = $2'),
  /** Nothing is returned when the project exists (maybe made by another process just now). */
  insertProject: statement<[number, string, number], { id: number }>(
    'insert_project',
    `INSERT INTO projects (workspace_id, name, created_at, last_activity_at) VALUES ($1, $2, $3, $3)
     ON CONFLICT (workspace_id, name) DO NOTHING RETURNING id`,
  ),
  /** Only a later time writes, so runs of one project seldom wait on each other for its row. */
  touchProject: statement<[number, number]>(
    'touch_project',
    'UPDATE projects SET last_activity_at = $1 WHERE id = $2 AND last_activity_at < $1',
  ),
  projects: statement<[string], ProjectInfo>(
    'projects',
    `SELECT p.name, w.name AS workspace, count(r.id) AS runs, p.created_at AS "createdAt", p.last_activity_at AS "lastActivityAt"
     FROM projects p JOIN workspaces w ON w.id = p.workspace_id LEFT JOIN runs r ON r.project_id = p.id
     WHERE w.name = $1 GROUP BY p.id, w.name ORDER BY p.last_activity_at DESC, p.name COLLATE "C"`,
  ),

  // -------------------------------------------------------------------------------------
  // Writers
  /** Serializes every ingest of one writer, across connections and server processes. */
  lockWriter: statement<[string]>('lock_writer', 'SELECT pg_advisory_xact_lock(hashtextextended($1, 7461100002))'),
  writer: statement<[string], WriterRow>('writer', `SELECT ${WRITER} FROM writers WHERE writer_id = $1`),
  writerWithWorkspace: statement<[string], WriterRow & { workspace: string }>(
    'writer_with_workspace',
    `SELECT ${WRITER}, ws.name AS workspace FROM writers wr JOIN runs r ON r.id = wr.run_id JOIN projects p ON p.id = r.project_id
     JOIN workspaces ws ON ws.id = p.workspace_id WHERE wr.writer_id = $1`,
  ),
  /** The run a writer writes, locked: every change to a run and its series holds this lock. */
  lockWriterRun: statement<[string], NamedRunRow>(
    'lock_writer_run',
    `${NAMED_RUN} WHERE r.id = (SELECT run_id FROM writers WHERE writer_id = $1) FOR UPDATE OF r`,
  ),
  upsertWriter: statement<[string, string, number, string | null, number, string, number, string, number, boolean]>(
    'upsert_writer',
    `INSERT INTO writers (writer_id, run_id, acked_seq, file, file_offset, host, pid, runtime, last_seen_at, closed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (writer_id) DO UPDATE SET run_id = excluded.run_id, acked_seq = excluded.acked_seq, file = excluded.file,
       file_offset = excluded.file_offset, host = excluded.host, pid = excluded.pid, runtime = excluded.runtime,
       last_seen_at = excluded.last_seen_at, closed = excluded.closed`,
  ),
  writerSource: statement<[string, string | null, number]>(
    'writer_source',
    'UPDATE writers SET file = $2, file_offset = $3 WHERE writer_id = $1',
  ),
  closeWriters: statement<[string]>('close_writers', 'UPDATE writers SET closed = true WHERE run_id = $1'),
  // Every run has a writer (the one whose run event made it), so the join misses no run.
  runningWriters: statement<[number], LivenessRow & { run_id: string }>(
    'running_writers',
    `SELECT w.run_id, w.host, w.pid, w.last_seen_at, w.closed FROM runs r JOIN writers w ON w.run_id = r.id
     WHERE r.project_id = $1 AND r.status = 'running'`,
  ),
  deletedWriter: statement<[string], { workspace_id: number; acked_seq: number }>(
    'deleted_writer',
    'SELECT workspace_id, acked_seq FROM deleted_writers WHERE writer_id = $1',
  ),
  upsertDeletedWriter: statement<[string, string, number, number]>(
    'upsert_deleted_writer',
    `INSERT INTO deleted_writers (writer_id, run_id, workspace_id, acked_seq) VALUES ($1, $2, $3, $4)
     ON CONFLICT (writer_id) DO UPDATE SET acked_seq = greatest(deleted_writers.acked_seq, excluded.acked_seq)`,
  ),
  /** Tombstones for the writers of a run about to be deleted. */
  buryWriters: statement<[number, string]>(
    'bury_writers',
    `INSERT INTO deleted_writers (writer_id, run_id, workspace_id, acked_seq)
     SELECT writer_id, run_id, $1, acked_seq FROM writers WHERE run_id = $2
     ON CONFLICT (writer_id) DO UPDATE SET run_id = excluded.run_id, workspace_id = excluded.workspace_id, acked_seq = excluded.acked_seq`,
  ),

  // -------------------------------------------------------------------------------------
  // Runs
  lockRun: statement<[string], NamedRunRow>('lock_run', `${NAMED_RUN} WHERE r.id = $1 FOR UPDATE OF r`),
  /** A run with, while it is running, its writers' liveness as JSON `[[host, pid, last_seen_at, closed], …]`. */
  runWithWriters: statement<[string], NamedRunRow & { writers: string | null }>(
    'run_with_writers',
    `SELECT ${RUN}, p.name AS project, w.name AS workspace, w.id AS workspace_id,
       CASE WHEN r.status = 'running' THEN (SELECT json_agg(json_build_array(wr.host, wr.pid, wr.last_seen_at, wr.closed))
         FROM writers wr WHERE wr.run_id = r.id) END AS writers
     FROM runs r JOIN projects p ON p.id = r.project_id JOIN workspaces w ON w.id = p.workspace_id WHERE r.id = $1`,
  ),
  runExists: statement<[string], { id: string }>('run_exists', 'SELECT id FROM runs WHERE id = $1'),
  /** Inserts unless a concurrent writer created the run first; then nothing is returned. */
  insertRun: statement<
    [string, number, string, string | null, string, string | null, string, number, number, number, string],
    { id: string }
  >(
    'insert_run',
    `INSERT INTO runs (id, project_id, name, group_name, tags, description, config, status, created_at, updated_at, heartbeat_at, system)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9, $10, $11)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
  ),
  updateRun: statement<
    [
      string,
      string,
      string | null,
      string,
      string | null,
      string,
      string,
      string,
      string,
      RunStatus,
      string | null,
      number,
      number | null,
      number,
      number | null,
      string,
    ]
  >(
    'update_run',
    `UPDATE runs SET name = $2, group_name = $3, tags = $4, description = $5, config = $6, explicit_summary = $7, results = $8,
       summary = $9, status = $10, error = $11, updated_at = $12, finished_at = $13, heartbeat_at = $14, last_step = $15, system = $16
     WHERE id = $1`,
  ),
  deleteRun: statement<[string]>('delete_run', 'DELETE FROM runs WHERE id = $1'),
  /** Point metadata of one call, as parallel arrays: one statement however many there are. */
  upsertMetadata: statement<[string, string[], number[], string[]]>(
    'upsert_metadata',
    `INSERT INTO point_metadata (run_id, key, step, metadata)
     SELECT $1, m.key, m.step, m.metadata FROM unnest($2::text[], $3::bigint[], $4::text[]) AS m(key, step, metadata)
     ON CONFLICT (run_id, key, step) DO UPDATE SET metadata = excluded.metadata`,
  ),
  metadata: statement<[string, string | null, number, number, number], { key: string; step: string; metadata: string }>(
    'metadata',
    `SELECT key, step, metadata FROM point_metadata WHERE run_id = $1 AND ($2::text IS NULL OR key = $2)
     AND step BETWEEN $3 AND $4 ORDER BY key, step LIMIT $5`,
  ),
  /** One rich value; values are few and an image is megabytes, so a statement each. */
  upsertValue: statement<[string, string, number, string, number, string, Buffer | null]>(
    'upsert_value',
    `INSERT INTO run_values (run_id, key, step, kind, at, payload, data) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (run_id, key, step) DO UPDATE SET kind = excluded.kind, at = excluded.at, payload = excluded.payload, data = excluded.data`,
  ),
  values: statement<[string, string | null, number, number, number], ValueRow>(
    'values',
    `SELECT key, step, kind, at, payload FROM run_values WHERE run_id = $1 AND ($2::text IS NULL OR key = $2)
     AND step BETWEEN $3 AND $4 ORDER BY key, step LIMIT $5`,
  ),
  valueSteps: statement<[string], { key: string; kind: string; step: number }>(
    'value_steps',
    'SELECT key, kind, step FROM run_values WHERE run_id = $1 ORDER BY key, step',
  ),
  valueImage: statement<[string, string, number], { payload: string; data: Buffer | null }>(
    'value_image',
    "SELECT payload, data FROM run_values WHERE run_id = $1 AND key = $2 AND step = $3 AND kind = 'image'",
  ),
  /** The call's console lines, numbered after the run's last; the caller holds the run's row lock. */
  insertConsole: statement<[string, string[], number[], string[], boolean[]]>(
    'insert_console',
    `INSERT INTO console_lines (run_id, seq, stream, at, text, truncated)
     SELECT $1, base.seq + l.n, l.stream, l.at, l.text, l.truncated
     FROM (SELECT COALESCE(MAX(seq), 0) AS seq FROM console_lines WHERE run_id = $1) base,
          unnest($2::text[], $3::float8[], $4::text[], $5::boolean[]) WITH ORDINALITY AS l(stream, at, text, truncated, n)`,
  ),
  consoleAfter: statement<[string, number, number], ConsoleRow>(
    'console_after',
    'SELECT seq, stream, at, text, truncated FROM console_lines WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
  ),
  consoleBefore: statement<[string, number, number], ConsoleRow>(
    'console_before',
    'SELECT seq, stream, at, text, truncated FROM console_lines WHERE run_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
  ),
  deletedRun: statement<[string], { workspace_id: number }>('deleted_run', 'SELECT workspace_id FROM deleted_runs WHERE run_id = $1'),
  insertDeletedRun: statement<[string, number, number]>(
    'insert_deleted_run',
    `INSERT INTO deleted_runs (run_id, workspace_id, deleted_at) VALUES ($1, $2, $3)
     ON CONFLICT (run_id) DO UPDATE SET workspace_id = excluded.workspace_id, deleted_at = excluded.deleted_at`,
  ),
  runsOfProject: statement<[string, string], { id: string; name: string }>(
    'runs_of_project',
    `SELECT r.id, r.name FROM runs r JOIN projects p ON p.id = r.project_id JOIN workspaces w ON w.id = p.workspace_id
     WHERE w.name = $1 AND p.name = $2 ORDER BY r.created_at, r.id COLLATE "C"`,
  ),

  // -------------------------------------------------------------------------------------
  // Series and chunks
  seriesByKey: statement<[string, string], SeriesRow>('series_by_key', `SELECT ${SERIES} FROM series WHERE run_id = $1 AND key = $2`),
  seriesOfRun: statement<[string], SeriesRow>('series_of_run', `SELECT ${SERIES} FROM series WHERE run_id = $1 ORDER BY key COLLATE "C"`),
  insertSeries: statement<[string, string[], number[], number[], number[], number[]], { id: number; key: string }>(
    'insert_series',
    `INSERT INTO series (run_id, key, count, first_step, last_step, last_value)
     SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::float8[])
     RETURNING id, key`,
  ),
  updateSeries: statement<[number[], number[], number[], number[], number[], number[]]>(
    'update_series',
    `UPDATE series s SET count = u.count, first_step = u.first_step, last_step = u.last_step, last_value = u.last_value,
       rewrites = u.rewrites
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::float8[], $6::bigint[])
       AS u (id, count, first_step, last_step, last_value, rewrites)
     WHERE s.id = u.id`,
  ),
  /**
   * For each series given with a step range and whether it is being rewritten: the stored
   * chunks overlapping the range, in step order. Blobs come only where they are needed: for
   * a rewrite, or for an append's tail chunk that still has room.
   */
  chunksToMerge: statement<[number[], number[], number[], boolean[]], ChunkRow & { series_id: number; data: string | null }>(
    'chunks_to_merge',
    `SELECT u.id AS series_id, c.first_step, c.last_step, c.n, CASE WHEN u.rewrite OR c.n < ${CHUNK_POINTS} THEN ${BLOB} END AS data
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::boolean[]) AS u (id, lo, hi, rewrite)
     CROSS JOIN LATERAL (
       SELECT first_step, last_step, n, data FROM chunks WHERE series_id = u.id AND first_step <= u.hi
         AND first_step >= coalesce((SELECT max(first_step) FROM chunks WHERE series_id = u.id AND first_step <= u.lo), 0)
       ORDER BY first_step
     ) c
     ORDER BY u.id, c.first_step`,
  ),
  deleteChunks: statement<[number[], number[], number[]]>(
    'delete_chunks',
    `DELETE FROM chunks c USING unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u (id, lo, hi)
     WHERE c.series_id = u.id AND c.first_step BETWEEN u.lo AND u.hi`,
  ),
  /**
   * Chunks written in one statement: every blob travels in one binary parameter ($8), each
   * cut out by its offset and length, so no blob is hex-encoded into an array literal. A
   * chunk starting where a stored one starts (a tail being extended) replaces it.
   */
  upsertChunks: statement<[number[], number[], number[], number[], number[], number[], number[], Buffer, number[], number[], number[]]>(
    'upsert_chunks',
    `INSERT INTO chunks (series_id, first_step, last_step, n, min, max, last, last_time, data)
     SELECT u.id, u.first_step, u.last_step, u.n, u.min, u.max, u.last, u.last_time, substring($8::bytea FROM u.at + 1 FOR u.len)
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::float8[], $6::float8[], $7::float8[], $9::int[], $10::int[],
       $11::float8[])
       AS u (id, first_step, last_step, n, min, max, last, at, len, last_time)
     ON CONFLICT (series_id, first_step) DO UPDATE SET last_step = excluded.last_step, n = excluded.n, min = excluded.min,
       max = excluded.max, last = excluded.last, last_time = excluded.last_time, data = excluded.data`,
  ),
  chunksIn: statement<[number, number, number], ChunkRow>(
    'chunks_in',
    `SELECT first_step, last_step, n, ${BLOB} AS data FROM chunks WHERE ${CHUNK_RANGE} ORDER BY first_step`,
  ),
  chunkStatsIn: statement<[number, number, number, number], ChunkStatsRow>(
    'chunk_stats_in',
    `SELECT first_step, last_step, n, min, max, last, last_time,
       CASE WHEN first_step >= $2 AND last_step <= $3 AND first_step / $4 = last_step / $4 AND last_time IS NOT NULL
         THEN NULL ELSE ${BLOB} END AS data
     FROM chunks WHERE ${CHUNK_RANGE} ORDER BY first_step`,
  ),
  chunksAfter: statement<[number, number, number], ChunkRow>(
    'chunks_after',
    `SELECT first_step, last_step, n, ${BLOB} AS data FROM chunks WHERE series_id = $1 AND first_step > $2 ORDER BY first_step LIMIT $3`,
  ),

  // -------------------------------------------------------------------------------------
  // API keys
  insertKey: statement<[string, number, string, string, string, string | null, number]>(
    'insert_key',
    'INSERT INTO api_keys (id, workspace_id, role, hash, prefix, name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
  ),
  keyByHash: statement<[string], KeyRow>('key_by_hash', `${KEY} WHERE k.hash = $1 AND k.revoked_at IS NULL`),
  keys: statement<[string | null], KeyRow>(
    'keys',
    `${KEY} WHERE $1::text IS NULL OR w.name = $1 ORDER BY k.created_at DESC, k.id COLLATE "C"`,
  ),
  revokeKey: statement<[number, string]>('revoke_key', 'UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2'),

  // -------------------------------------------------------------------------------------
  // Changes
  notify: statement<[string[]]>('notify', "SELECT pg_notify('tally_changes', p) FROM unnest($1::text[]) AS p"),
}

/** Write back every field of a run that ingest or an update may change. */
export async function saveRun(db: Queryable, r: RunRow): Promise<void> {
  await run(db, SQL.updateRun, [
    r.id,
    r.name,
    r.group_name,
    r.tags,
    r.description,
    r.config,
    r.explicit_summary,
    r.results,
    r.summary,
    r.status,
    r.error,
    r.updated_at,
    r.finished_at,
    r.heartbeat_at,
    r.last_step,
    r.system,
  ])
}
