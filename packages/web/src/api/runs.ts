/**
 * The run page's calls to the HTTP API v1 (docs/api.md): one run, and its point metadata.
 * client.ts keeps its request helper to itself, so this is a small wrapper of the same
 * style: every failure becomes an `ApiError` whose message says what to do next.
 */
import type { ErrorJson, RunJson } from '@tally/sdk/api'
import { ApiError } from './client'

/** Any JSON value of a run (config, summary, metadata); NaN and ±Infinity are strings. */
export type JsonValue = RunJson['config'][string]

/** Each item of `GET /api/v1/runs/{id}/metadata`. */
export interface PointMetadataJson {
  key: string
  step: number
  metadata: JsonValue
}

const seg = encodeURIComponent

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response
  try {
    res = await fetch(`/api/v1${path}`, { headers: { accept: 'application/json' }, ...(signal && { signal }) })
  } catch (e) {
    if (signal?.aborted) throw e
    throw new ApiError(
      'server_unreachable',
      `Cannot reach the Tally server at ${location.origin}. Is tally ui (or tally serve) still running? Start it again, then retry.`,
      0,
    )
  }
  const text = await res.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ApiError('internal', `The server answered ${res.status} with something other than JSON; is this a Tally server?`, res.status)
  }
  if (!res.ok) {
    const error = (body as Partial<ErrorJson>).error
    throw new ApiError(error?.code ?? 'internal', error?.message ?? `The server answered ${res.status}.`, res.status)
  }
  return body as T
}

/** One run, with its config, summary, results, system and error. */
export function getRun(runId: string, signal?: AbortSignal): Promise<RunJson> {
  return getJson<RunJson>(`/runs/${seg(runId)}`, signal)
}

/** Metadata logged with a run's points, by key then step (the first `limit`, at most 10,000). */
export function listMetadata(runId: string, limit = 1000, signal?: AbortSignal): Promise<PointMetadataJson[]> {
  return getJson<PointMetadataJson[]>(`/runs/${seg(runId)}/metadata?limit=${limit}`, signal)
}
