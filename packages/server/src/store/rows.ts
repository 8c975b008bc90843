/**
 * The rows both schemas share, as TypeScript sees them, and how they become the Store's
 * answers. JSON columns hold tagged JSON (`stringifyTagged`), so NaN and ±Infinity survive.
 */
import { type JsonValue, parseTagged, type RunStatus } from '@tally/sdk/spool'
import type { ApiKeyInfo, ApiKeyRole, MetricKeyInfo, RunInfo, RunPatch, WriterState } from './store.js'

export type JsonObject = { [key: string]: JsonValue }

export interface RunRow {
  id: string
  project_id: number
  name: string
  group_name: string | null
  /** JSON array of strings. */
  tags: string
  description: string | null
  config: string
  explicit_summary: string
  results: string
  /** Last value of every series, then the explicit summary, then results (see `summaryText`). */
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

export interface KeyRow {
  id: string
  workspace: string
  role: ApiKeyRole
  prefix: string
  name: string | null
  created_at: number
  revoked_at: number | null
}

/** A writer row with its workspace's name, but for the spool offset, whose column each schema names its own way. */
export interface WriterStateRow {
  writer_id: string
  run_id: string
  workspace: string
  acked_seq: number
  file: string | null
  host: string
  pid: number
  last_seen_at: number
}

/** What a series row tells of a metric key. SQLite stores a NaN last value as NULL. */
export interface SeriesStats {
  key: string
  count: number
  first_step: number
  last_step: number
  last_value: number | null
}

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** A JSON column's object (tagged JSON, so NaN and ±Infinity come back as numbers). */
export function parseObject(text: string): JsonObject {
  const v = parseTagged(text)
  return isObject(v) ? v : {}
}

/** A run as the Store answers it, with its status as read (`crashed` when its writers are gone). */
export function toRunInfo(row: RunRow & { project: string; workspace: string }, status: RunStatus): RunInfo {
  return {
    id: row.id,
    name: row.name,
    project: row.project,
    workspace: row.workspace,
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

export function keyInfo(row: KeyRow): ApiKeyInfo {
  return {
    id: row.id,
    workspace: row.workspace,
    role: row.role,
    prefix: row.prefix,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  }
}

/** Where a writer's ingest stands; `offset` is the byte offset in its spool file. */
export function toWriterState(w: WriterStateRow, offset: number): WriterState {
  return {
    writerId: w.writer_id,
    runId: w.run_id,
    workspace: w.workspace,
    ackedSeq: w.acked_seq,
    file: w.file,
    offset,
    host: w.host,
    pid: w.pid,
    lastSeenAt: w.last_seen_at,
  }
}

export function metricKeyInfo(s: SeriesStats): MetricKeyInfo {
  return { key: s.key, count: s.count, firstStep: s.first_step, lastStep: s.last_step, lastValue: s.last_value ?? Number.NaN }
}

/**
 * Apply a checked patch (`checkRunPatch`) to a run in memory. Returns true when the status
 * was set by hand: the caller then closes the run's writers, whose liveness no longer decides it.
 */
export function applyRunPatch(run: RunRow, patch: RunPatch, now: number): boolean {
  if (patch.name !== undefined) run.name = patch.name
  if (patch.group !== undefined) run.group_name = patch.group
  if (patch.description !== undefined) run.description = patch.description
  if (patch.tags !== undefined) run.tags = JSON.stringify(patch.tags)
  if (patch.status !== undefined) {
    run.status = patch.status
    run.finished_at ??= now
  }
  run.updated_at = Math.max(run.updated_at, now)
  return patch.status !== undefined
}
