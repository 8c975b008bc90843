/** The run page's calls to the HTTP API v1 (docs/api.md): one run, and its point metadata. */
import type { RunJson } from '@tally/sdk/api'
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
