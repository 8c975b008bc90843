/** Rich values of a run (tables, histograms, images, markdown): the values, their keys, and image bytes. */
import { TallyError } from '@tally/sdk'
import type { RunValueJson } from '@tally/sdk/api'
import { toPlainJson } from '@tally/sdk/spool'
import type { FastifyInstance } from 'fastify'
import type { RunValueInfo, Store } from '../store/store.js'
import { runFor } from './routes-runs.js'
import { intOf, metricKey, object, queryInt, runId, runParams } from './schemas.js'

/** Where an image value's bytes are served; the key is one path segment, `/` and all encoded. */
export function imageUrl(runId: string, key: string, step: number): string {
  return `/api/v1/runs/${encodeURIComponent(runId)}/values/${encodeURIComponent(key)}/${step}/image`
}

function valueJson(runId: string, v: RunValueInfo): RunValueJson {
  const json = toPlainJson(v) as RunValueJson
  if (v.kind === 'image') json.url = imageUrl(runId, v.key, v.step)
  return json
}

export function registerValueRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Params: { id: string }; Querystring: { key?: string; from?: string; to?: string; limit?: string } }>(
    '/api/v1/runs/:id/values',
    {
      schema: {
        summary: 'Rich values of a run (tables, histograms, images, markdown) by key then step, optionally of one key and in [from, to]',
        tags: ['values'],
        params: runParams,
        querystring: object({ key: metricKey, from: queryInt, to: queryInt, limit: queryInt }),
      },
    },
    async (request) => {
      const { id } = request.params
      const q = request.query
      const [from, to, limit] = [intOf(q.from), intOf(q.to), intOf(q.limit)]
      await runFor(store, request, id, 'viewer')
      const values = await store.readValues({
        runId: id,
        ...(q.key !== undefined && { key: q.key }),
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to }),
        ...(limit !== undefined && { limit }),
      })
      return { values: values.map((v) => valueJson(id, v)) }
    },
  )

  app.get<{ Params: { id: string } }>(
    '/api/v1/runs/:id/value-keys',
    { schema: { summary: 'The rich value keys of a run, each with its kind, count and steps', tags: ['values'], params: runParams } },
    async (request) => {
      const { id } = request.params
      await runFor(store, request, id, 'viewer')
      return store.valueKeys(id)
    },
  )

  app.get<{ Params: { id: string; key: string; step: string } }>(
    '/api/v1/runs/:id/values/:key/:step/image',
    {
      schema: {
        summary: "An image value's bytes (image/png or image/jpeg)",
        tags: ['values'],
        params: object({ id: runId, key: metricKey, step: queryInt }, ['id', 'key', 'step']),
      },
    },
    async (request, reply) => {
      const { id, key } = request.params
      const step = intOf(request.params.step) as number
      await runFor(store, request, id, 'viewer')
      const image = await store.valueImage(id, key, step)
      if (image === undefined) throw new TallyError('not_found', `run ${id} has no image under "${key}" at step ${step}`)
      // The type comes from the bytes' signature, checked at ingest; nosniff keeps browsers to it.
      reply.header('content-type', image.mime)
      reply.header('x-content-type-options', 'nosniff')
      // A value at (key, step) may be replaced by a later log, so caches ask again.
      reply.header('cache-control', 'private, no-cache')
      return reply.send(image.bytes)
    },
  )
}
