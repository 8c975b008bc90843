/** The run page's calls to the HTTP API v1 (docs/api.md): one run, and its point metadata. */
import type { ConsolePageJson, RunJson } from '@tally/sdk/api'
import { getJson, seg } from './client'

/** Any JSON value of a run (config, summary, metadata); NaN and ±Infinity are strings. */
export type JsonValue = RunJson['config'][string]

/** Each item of `GET /api/v1/runs/{id}/metadata`. */
export interface PointMetadataJson {
  key: string
  step: number
  metadata: JsonValue
}

/** One run, with its config, summary, results, system and error. */
export function getRun(runId: string, signal?: AbortSignal): Promise<RunJson> {
  return getJson<RunJson>(`/runs/${seg(runId)}`, signal)
}

/** Metadata logged with a run's points, by key then step (the first `limit`, at most 10,000). */
export function listMetadata(runId: string, limit = 1000, signal?: AbortSignal): Promise<PointMetadataJson[]> {
  return getJson<PointMetadataJson[]>(`/runs/${seg(runId)}/metadata?limit=${limit}`, signal)
}

/** Which console lines to read: newer than a seq, older than one, or the last ones. */
export type ConsoleRead = { after: number } | { before: number } | { tail: true }

/** Console lines of a run, in order (at most `limit`, ≤ 10,000). */
export function getConsole(runId: string, read: ConsoleRead, limit: number, signal?: AbortSignal): Promise<ConsolePageJson> {
  const where = 'tail' in read ? 'tail=true' : 'after' in read ? `after=${read.after}` : `before=${read.before}`
  return getJson<ConsolePageJson>(`/runs/${seg(runId)}/console?${where}&limit=${limit}`, signal)
}
