/**
 * The dashboard's one way to the HTTP API v1 (docs/api.md). Answers are typed by the SDK's
 * API types, which the server builds its answers against; every failure becomes an
 * `ApiError` whose message says what to do next.
 */
import type { ErrorJson, MetricKeyJson, ProjectJson, RunJson, RunPageJson, SeriesBucketsJson } from '@tally/sdk/api'
import type { SeriesPointsJson } from '../live/live-series'
import { type BatchAnswer, Batcher } from './batcher'

/** The API's stable error codes, plus `server_unreachable` when no answer came at all. */
export type ApiErrorCode = ErrorJson['error']['code']

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
  ) {
    super(message)
  }
}

/** Runs come in pages of at most this many (the API's limit). */
const PAGE = 1000

/** A path segment, encoded. */
export const seg = encodeURIComponent

/**
 * Called when the API answers 401 `unauthorized`: no key, or the session's key was revoked.
 * The session (session/session-context.tsx) then shows the sign-in page.
 */
const unauthorizedListeners = new Set<(error: ApiError) => void>()
export function onUnauthorized(listener: (error: ApiError) => void): () => void {
  unauthorizedListeners.add(listener)
  return () => unauthorizedListeners.delete(listener)
}

/** GET an API v1 path as JSON; every failure is an `ApiError` whose message says what to do. */
export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return requestJson<T>('GET', path, undefined, signal)
}

/**
 * Any API v1 call. The credential travels in the session cookie, which the browser adds;
 * writes carry the page's Origin, which the server checks against it. A 204 answers undefined.
 */
export async function requestJson<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  let res: Response
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      ...(signal && { signal }),
    })
  } catch (e) {
    if (signal?.aborted) throw e
    throw new ApiError(
      'server_unreachable',
      `Cannot reach the Tally server at ${location.origin}. Is tally ui (or tally serve) still running? Start it again, then retry.`,
      0,
    )
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new ApiError('internal', `The server answered ${res.status} with something other than JSON; is this a Tally server?`, res.status)
  }
  if (!res.ok) {
    const error = (json as Partial<ErrorJson>).error
    const failure = new ApiError(error?.code ?? 'internal', error?.message ?? `The server answered ${res.status}.`, res.status)
    if (res.status === 401 && failure.code === 'unauthorized') for (const listener of unauthorizedListeners) listener(failure)
    throw failure
  }
  return json as T
}

/** Projects of a workspace, most recently active first. */
export function listProjects(workspace: string, signal?: AbortSignal): Promise<ProjectJson[]> {
  return getJson<ProjectJson[]>(`/workspaces/${seg(workspace)}/projects`, signal)
}

/** The first page is small, so a project of 10,000 runs shows its newest rows at once. */
const FIRST_PAGE = 100

/** One page of a project's runs, newest first. */
export function listRuns(
  workspace: string,
  project: string,
  offset: number,
  signal?: AbortSignal,
  limit: number = PAGE,
): Promise<RunPageJson> {
  const path = runsPath(workspace, project, offset, limit)
  const early = prefetched.get(path)
  prefetched.delete(path)
  // A prefetch that failed (not signed in yet) or went stale is asked again.
  if (early !== undefined && performance.now() - early.at < PREFETCH_MS) return early.answer.catch(() => getJson<RunPageJson>(path, signal))
  return getJson<RunPageJson>(path, signal)
}

const runsPath = (workspace: string, project: string, offset: number, limit: number): string =>
  `/workspaces/${seg(workspace)}/projects/${seg(project)}/runs?${new URLSearchParams({ sort: 'createdAt', order: 'desc', limit: String(limit), offset: String(offset) })}`

const prefetched = new Map<string, { answer: Promise<RunPageJson>; at: number }>()
const PREFETCH_MS = 10_000

/**
 * Ask for a project's first runs as the page's script starts, before the app has mounted
 * and checked its session: the request overlaps that work instead of waiting for it, and
 * the project page takes the answer when it asks (`node bench/dashboard.mjs runs10k`).
 */
export function prefetchFirstRuns(workspace: string, project: string): void {
  const path = runsPath(workspace, project, 0, FIRST_PAGE)
  const answer = getJson<RunPageJson>(path)
  answer.catch(() => undefined) // its failure belongs to whoever takes it
  prefetched.set(path, { answer, at: performance.now() })
}

/**
 * Every run of a project, page after page. A run created meanwhile can shift a page and
 * show up twice; it is kept once. `onPage` is told the runs read so far after each page
 * (and the total the server counts), so a big project shows its first rows at once.
 */
export async function listAllRuns(
  workspace: string,
  project: string,
  signal?: AbortSignal,
  onPage?: (runs: RunJson[], total: number) => void,
): Promise<RunJson[]> {
  const byId = new Map<string, RunJson>()
  for (let offset = 0; ; ) {
    const limit = offset === 0 ? FIRST_PAGE : PAGE
    const page = await listRuns(workspace, project, offset, signal, limit)
    for (const run of page.runs) byId.set(run.id, run)
    offset += limit
    if (page.runs.length < limit || offset >= page.total) break
    onPage?.([...byId.values()], page.total)
  }
  return [...byId.values()]
}

/** A run's metric keys, with their counts, step ranges and last values; the runs asked for at once go in one request. */
export function listKeys(runId: string, signal?: AbortSignal): Promise<MetricKeyJson[]> {
  return keyReads.read(runId, signal)
}

/** One read of `POST /series/batch`: what `GET /runs/{id}/series` takes, as fields. */
interface SeriesRead {
  run: string
  key: string
  from?: number
  to?: number
  buckets?: number
  since?: string
}

/** The server's limits on reads, and on points, per batch. */
const MAX_READS = 1000
const MAX_BATCH_POINTS = 500_000

/**
 * Series reads go out together: the charts that come into view at once ask in one request.
 * A read's own error (its run deleted meanwhile) rejects only that read; the status of such
 * an error is that of the batch, 200.
 */
const seriesReads = new Batcher<SeriesRead, unknown>(
  async (reads, signal) => answersOf(await requestJson<{ results: unknown[] }>('POST', '/series/batch', { reads }, signal)),
  MAX_READS,
  (e) => new ApiError(e.code as ApiErrorCode, e.message, 200),
  // The server answers at most 500,000 points a batch; buckets asked for count against it
  // (raw reads here are new points or a zoomed range: few).
  { of: (r) => r.buckets ?? 0, max: MAX_BATCH_POINTS },
)

const keyReads = new Batcher<string, MetricKeyJson[]>(
  async (runs, signal) => answersOf(await requestJson<{ results: unknown[] }>('POST', '/keys/batch', { runs }, signal)),
  MAX_READS,
  (e) => new ApiError(e.code as ApiErrorCode, e.message, 200),
)

/** A batch's results: each a read's answer, or its `{ error }`. */
function answersOf<A>({ results }: { results: unknown[] }): BatchAnswer<A>[] {
  return results.map((r) => {
    const error = (r as Partial<ErrorJson>).error
    return error === undefined ? { ok: r as A } : { error }
  })
}

/**
 * One run's series of `key` in at most `buckets` buckets, over the inclusive steps
 * [from, to] when given. Where the range holds fewer steps than buckets, every point
 * comes back, one a bucket.
 */
export function readBuckets(
  runId: string,
  key: string,
  range: { buckets: number; from?: number; to?: number },
  signal?: AbortSignal,
): Promise<SeriesBucketsJson> {
  return seriesReads.read({ run: runId, key, ...range }, signal) as Promise<SeriesBucketsJson>
}

/**
 * Only the new raw points of one run's `key`: after the cursor of an earlier answer
 * (`since`), or, before any, from a step on. The answer's `cursor` is for the next read;
 * `reset: true` means the series was rewritten and the answer is all of it.
 */
export function readNewPoints(
  runId: string,
  key: string,
  read: { since: string } | { from: number },
  signal?: AbortSignal,
): Promise<SeriesPointsJson> {
  return seriesReads.read({ run: runId, key, ...read }, signal) as Promise<SeriesPointsJson>
}

/** One run's raw points of `key` over the inclusive steps [from, to] (all when not given): every point, for a download. */
export function readSeries(
  runId: string,
  key: string,
  range: { from?: number; to?: number },
  signal?: AbortSignal,
): Promise<SeriesPointsJson> {
  const query = new URLSearchParams({ key })
  if (range.from !== undefined) query.set('from', String(range.from))
  if (range.to !== undefined) query.set('to', String(range.to))
  return getJson<SeriesPointsJson>(`/runs/${seg(runId)}/series?${query}`, signal)
}
