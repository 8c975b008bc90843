/** The run page's calls to the HTTP API v1 (docs/api.md): one run, its point metadata, console and rich values. */
import type { ConsolePageJson, RunJson, RunValueJson, ValueKeyJson, ValuePageJson } from '@tally/sdk/api'
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

/** The rich value keys of a run (tables, histograms, images, markdown), each with its steps. */
export function listValueKeys(runId: string, signal?: AbortSignal): Promise<ValueKeyJson[]> {
  return getJson<ValueKeyJson[]>(`/runs/${seg(runId)}/value-keys`, signal)
}

/** The rich value at one (key, step), or undefined when there is none (any more). */
export async function getValueAt(runId: string, key: string, step: number, signal?: AbortSignal): Promise<RunValueJson | undefined> {
  const q = `key=${encodeURIComponent(key)}&from=${step}&to=${step}&limit=1`
  return (await getJson<ValuePageJson>(`/runs/${seg(runId)}/values?${q}`, signal)).values[0]
}
