/**
 * Many series reads in one request, and the metric keys of many runs in one. A chart of 50 runs needs 50 series, and a page of ten
 * such charts 500: one request each spends more on HTTP than on the reads (measured with
 * `node bench/dashboard.mjs live50`). Each read is what `GET /runs/{id}/series` answers,
 * in the order asked; one that fails (a run deleted meanwhile, a stale cursor) answers its
 * error in place and the others still come back.
 */
import { isTallyError, TallyError } from '@tally/sdk'
import { toPlainJson } from '@tally/sdk/spool'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RunInfo, Store } from '../store/store.js'
import { runFor } from './routes-runs.js'
import { int, MAX_STEP, metricKey, object, runId, str } from './schemas.js'

/** Reads a batch may hold: a page's worth, small enough that one batch is never slow. */
export const MAX_READS = 1000

/**
 * Points (buckets, or raw points) one batch may answer with: a project page of 50 runs ×
 * 10 charts × 500 buckets is 250,000. Buckets asked for count before reading; raw reads
 * count what they return. A read past the budget answers `payload_too_large` on its own,
 * so one request can never build an answer of gigabytes.
 */
export const MAX_BATCH_POINTS = 500_000

export interface SeriesRead {
  run: string
  key: string
  from?: number
  to?: number
  buckets?: number
  since?: string
}

const read = object(
  { run: runId, key: metricKey, from: int(0, MAX_STEP), to: int(0, MAX_STEP), buckets: int(1, 100_000), since: str(100) },
  ['run', 'key'],
)

export function registerBatchRoutes(app: FastifyInstance, store: Store): void {
  app.post<{ Body: { reads: SeriesRead[] } }>(
    '/api/v1/series/batch',
    {
      schema: {
        summary: 'Many series reads at once: each answers as GET /runs/{id}/series would, or with its own error',
        tags: ['series'],
        body: object({ reads: { type: 'array', minItems: 1, maxItems: MAX_READS, items: read } }, ['reads']),
      },
    },
    async (request) => {
      const runs = new Map<string, Promise<RunInfo>>()
      const results = []
      let points = 0
      // One after another: the reads are short, and the store serializes them anyway.
      for (const r of request.body.reads) {
        // A client that went away gets nothing more read for it. (Not request.raw.destroyed:
        // a request whose body has been read is destroyed while its client still waits.)
        if (request.socket.destroyed) break
        if (r.buckets !== undefined && points + r.buckets > MAX_BATCH_POINTS) {
          results.push(overBudget())
          continue
        }
        const result = await answer(store, request, runs, r)
        const n = pointsOf(result)
        if (r.buckets === undefined && points + n > MAX_BATCH_POINTS) {
          results.push(overBudget())
          continue
        }
        points += r.buckets ?? n
        results.push(result)
      }
      return { results }
    },
  )

  app.post<{ Body: { runs: string[] } }>(
    '/api/v1/keys/batch',
    {
      schema: {
        summary: 'The metric keys of many runs at once: each answers as GET /runs/{id}/keys would, or with its own error',
        tags: ['series'],
        body: object({ runs: { type: 'array', minItems: 1, maxItems: MAX_READS, items: runId } }, ['runs']),
      },
    },
    async (request) => {
      const results = []
      for (const id of request.body.runs)
        results.push(
          await refusalOr(async () => {
            await runFor(store, request, id, 'viewer')
            return toPlainJson(await store.metricKeys(id))
          }),
        )
      return { results }
    },
  )
}

/** What `read` answers, or its refusal as `{ error }`; anything else (the store is down) fails the request. */
async function refusalOr(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return await read()
  } catch (e) {
    if (isTallyError(e) && e.code !== 'store_unavailable') return { error: { code: e.code, message: e.message } }
    throw e
  }
}

function answer(store: Store, request: FastifyRequest, runs: Map<string, Promise<RunInfo>>, r: SeriesRead): Promise<unknown> {
  return refusalOr(async () => {
    let run = runs.get(r.run)
    if (run === undefined) {
      run = runFor(store, request, r.run, 'viewer')
      runs.set(r.run, run)
    }
    await run
    const range = { ...(r.from !== undefined && { from: r.from }), ...(r.to !== undefined && { to: r.to }) }
    if (r.buckets !== undefined) {
      if (r.since !== undefined) throw new TallyError('invalid_query', 'since reads raw points; leave out buckets')
      return toPlainJson(await store.readBuckets({ runId: r.run, key: r.key, buckets: r.buckets, ...range }))
    }
    return toPlainJson(await store.readSeries({ runId: r.run, key: r.key, ...range, ...(r.since !== undefined && { since: r.since }) }))
  })
}

function overBudget(): { error: { code: string; message: string } } {
  return {
    error: {
      code: 'payload_too_large',
      message: `this batch already answers ${MAX_BATCH_POINTS.toLocaleString('en')} points; ask for this series in a batch of its own or with GET /runs/{id}/series`,
    },
  }
}

/** The points a raw answer holds (0 for an error). */
function pointsOf(result: unknown): number {
  const steps = (result as { steps?: unknown[] }).steps
  return Array.isArray(steps) ? steps.length : 0
}
