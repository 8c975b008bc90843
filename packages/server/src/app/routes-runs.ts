/** Runs: create or resume, list, read, change, delete; their metric keys and series; live events. */
import { TallyError } from '@tally/sdk'
import {
  checkConfig,
  checkId,
  checkTags,
  checkText,
  KIND_EVENT,
  newRunId,
  newRunName,
  newWriterId,
  type RunEvent,
  toPlainJson,
} from '@tally/sdk/spool'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { parseCondition } from '../query/parse-condition.js'
import { runJson } from '../shapes.js'
import type { ApiKeyRole, RunInfo, RunPatch, RunQuery, Store } from '../store/store.js'
import { authorize, notFound } from './auth.js'
import type { EventHub } from './events.js'
import { requireWorkspace } from './routes-workspaces.js'
import { description, group, intOf, metricKey, object, projectParams, queryInt, runId, runParams, status, str, tags } from './schemas.js'

/** A run the principal may act on with `role`, else not_found (also for other workspaces). */
export async function runFor(store: Store, request: FastifyRequest, id: string, role: ApiKeyRole): Promise<RunInfo> {
  const run = await store.getRun(id)
  if (!run) throw notFound(`run ${id}`)
  authorize(request.principal, run.workspace, role, `run ${id}`)
  return run
}

interface ListQuery {
  status?: RunQuery['status']
  group?: string
  tag?: string
  search?: string
  name?: string
  where?: string[]
  sort?: string
  order?: 'asc' | 'desc'
  limit?: string
  offset?: string
}

interface CreateBody {
  id?: string
  name?: string
  resume?: 'never' | 'allow' | 'must'
  group?: string | null
  tags?: string[]
  description?: string | null
  config?: Record<string, unknown>
}

interface SeriesQueryString {
  key: string
  from?: string
  to?: string
  buckets?: string
  since?: string
}

export function registerRunRoutes(app: FastifyInstance, store: Store, hub: EventHub): void {
  app.get<{ Params: { workspace: string; project: string }; Querystring: ListQuery }>(
    '/api/v1/workspaces/:workspace/projects/:project/runs',
    {
      schema: {
        summary: 'Runs of a project: filter, sort, page',
        tags: ['runs'],
        params: projectParams,
        querystring: object({
          status,
          group: str(255),
          tag: str(50),
          search: str(255),
          name: str(255),
          where: { type: 'array', maxItems: 20, items: str(500), description: 'e.g. config.lr > 0.001; repeat to AND' },
          sort: str(300),
          order: { type: 'string', enum: ['asc', 'desc'] },
          limit: queryInt,
          offset: queryInt,
        }),
      },
    },
    async (request) => {
      const { workspace, project } = request.params
      authorize(request.principal, workspace, 'viewer', `workspace ${workspace}`)
      const { where, limit, offset, ...rest } = request.query
      const query: RunQuery = { workspace, project, ...rest, limit: intOf(limit), offset: intOf(offset) }
      if (where) query.where = where.map(parseCondition)
      const page = await store.listRuns(query)
      return toPlainJson({ ...page, runs: page.runs.map(runJson) })
    },
  )

  app.post<{ Params: { workspace: string; project: string }; Body: CreateBody }>(
    '/api/v1/workspaces/:workspace/projects/:project/runs',
    {
      schema: {
        summary: 'Create a run, or resume one by id or name (resume: never | allow | must)',
        description:
          "Answers the run and a writer id: send the run's records to /writers/{writerId}/records starting at seq 2 (seq 1, the run event, is made here).",
        tags: ['runs'],
        params: projectParams,
        body: object({
          id: runId,
          name: str(255),
          resume: { type: 'string', enum: ['never', 'allow', 'must'] },
          group,
          tags,
          description,
          config: { type: 'object' },
        }),
        success: { status: 201, description: 'Created; 200 when an existing run was resumed' },
      },
    },
    async (request, reply) => {
      const { workspace, project } = request.params
      authorize(request.principal, workspace, 'writer', `workspace ${workspace}`)
      await requireWorkspace(store, workspace)
      const body = request.body
      const resume = body.resume ?? 'never'
      if (resume !== 'never' && body.id === undefined && body.name === undefined) {
        throw new TallyError('invalid_resume', `resume: "${resume}" needs the id or name of the run to resume`)
      }
      let existing: RunInfo | undefined
      if (body.id !== undefined) {
        existing = await store.getRun(checkId(body.id))
        if (existing && (existing.workspace !== workspace || existing.project !== project)) {
          throw new TallyError('run_exists', `run id ${body.id} is taken by another project; choose another id`)
        }
        if (existing && resume === 'never') throw new TallyError('run_exists', `run ${body.id} exists; pass resume: "allow" to continue it`)
      } else if (resume !== 'never' && body.name !== undefined) {
        existing = (await store.listRuns({ workspace, project, name: body.name, sort: 'createdAt', order: 'desc', limit: 1 })).runs[0]
      }
      if (resume === 'must' && !existing) {
        throw new TallyError(
          'run_not_found',
          `no run ${body.id ?? body.name ?? ''} in project ${project} to resume; use resume: "allow" to create it`,
        )
      }
      const now = Date.now()
      const writerId = `api-${newWriterId()}`
      const event: RunEvent = {
        type: 'run',
        at: now,
        writer: { id: writerId, host: 'http', pid: 0, runtime: 'tally-http-api', startedAt: now },
        id: existing?.id ?? body.id ?? newRunId(),
        project,
        name: body.name !== undefined ? checkText('name', body.name) : (existing?.name ?? newRunName()),
        group: body.group !== undefined ? (body.group === null ? null : checkText('group', body.group)) : (existing?.group ?? null),
        tags: body.tags !== undefined ? checkTags(body.tags) : [...(existing?.tags ?? [])],
        description: body.description !== undefined ? body.description : (existing?.description ?? null),
        config: body.config !== undefined ? checkConfig(body.config) : {},
        createdAt: existing?.createdAt ?? now,
        resumed: existing !== undefined,
        resume,
        system: { via: 'http' },
      }
      await store.ingest(writerId, [{ seq: 1, kind: KIND_EVENT, event }], { workspace })
      // A run event only sets what it holds, so clearing a resumed run's group, tags or
      // description (null, []) is a change of its own.
      const clear: RunPatch = {}
      if (existing && body.group === null) clear.group = null
      if (existing && body.description === null) clear.description = null
      if (existing && body.tags?.length === 0) clear.tags = []
      const run = Object.keys(clear).length > 0 ? await store.updateRun(event.id, clear) : ((await store.getRun(event.id)) as RunInfo)
      reply.code(existing ? 200 : 201)
      return toPlainJson({ run: runJson(run), writerId, nextSeq: 2, nextStep: (run.lastStep ?? -1) + 1, resumed: existing !== undefined })
    },
  )

  app.get<{ Params: { id: string } }>(
    '/api/v1/runs/:id',
    { schema: { summary: 'One run', tags: ['runs'], params: runParams } },
    async (request) => toPlainJson(runJson(await runFor(store, request, request.params.id, 'viewer'))),
  )

  app.patch<{ Params: { id: string }; Body: RunPatch }>(
    '/api/v1/runs/:id',
    {
      schema: {
        summary: 'Rename, retag, describe or set the end status of a run',
        tags: ['runs'],
        params: runParams,
        body: object({ name: str(255), group, tags, description, status: { type: 'string', enum: ['finished', 'failed', 'crashed'] } }),
      },
    },
    async (request) => {
      await runFor(store, request, request.params.id, 'writer')
      return toPlainJson(runJson(await store.updateRun(request.params.id, request.body)))
    },
  )

  app.delete<{ Params: { id: string } }>(
    '/api/v1/runs/:id',
    {
      schema: {
        summary: 'Delete a run and its series (owner)',
        tags: ['runs'],
        params: runParams,
        success: { status: 204, description: 'Deleted' },
      },
    },
    async (request, reply) => {
      await runFor(store, request, request.params.id, 'owner')
      await store.deleteRun(request.params.id)
      reply.code(204)
    },
  )

  app.get<{ Params: { id: string } }>(
    '/api/v1/runs/:id/keys',
    { schema: { summary: 'Metric keys of a run with counts and last values', tags: ['series'], params: runParams } },
    async (request) => {
      await runFor(store, request, request.params.id, 'viewer')
      return toPlainJson(await store.metricKeys(request.params.id))
    },
  )

  app.get<{ Params: { id: string }; Querystring: { key?: string; from?: string; to?: string; limit?: string } }>(
    '/api/v1/runs/:id/metadata',
    {
      schema: {
        summary: 'Metadata logged with points, by key then step: [{ key, step, metadata }]',
        tags: ['series'],
        params: runParams,
        querystring: object({ key: metricKey, from: queryInt, to: queryInt, limit: queryInt }),
      },
    },
    async (request) => {
      const { id } = request.params
      await runFor(store, request, id, 'viewer')
      const { key, from, to, limit } = request.query
      const query = { runId: id, from: intOf(from), to: intOf(to), limit: intOf(limit), ...(key !== undefined && { key }) }
      return toPlainJson(await store.readMetadata(query))
    },
  )

  app.get<{ Params: { id: string }; Querystring: { after?: string; before?: string; tail?: 'true' | 'false'; limit?: string } }>(
    '/api/v1/runs/:id/console',
    {
      schema: {
        summary: 'Console lines (stdout, stderr) of a run in order: after a seq, before a seq, or the last ones (tail=true)',
        tags: ['series'],
        params: runParams,
        querystring: object({ after: queryInt, before: queryInt, tail: { type: 'string', enum: ['true', 'false'] }, limit: queryInt }),
      },
    },
    async (request) => {
      const { id } = request.params
      const [after, before, limit] = [intOf(request.query.after), intOf(request.query.before), intOf(request.query.limit)]
      const tail = request.query.tail === 'true'
      if (tail && (after !== undefined || before !== undefined)) {
        throw new TallyError('invalid_query', 'tail=true reads the last lines; leave out after and before')
      }
      await runFor(store, request, id, 'viewer')
      const lines = await store.readConsole({
        runId: id,
        ...(after !== undefined && { after }),
        ...(before !== undefined && { before }),
        ...(tail && { before: Number.MAX_SAFE_INTEGER }),
        ...(limit !== undefined && { limit }),
      })
      // Where to go on reading forward: past this answer's last line, or where the reader stood.
      return { lines, next: lines[lines.length - 1]?.seq ?? after ?? 0 }
    },
  )

  app.get<{ Params: { id: string }; Querystring: SeriesQueryString }>(
    '/api/v1/runs/:id/series',
    {
      schema: {
        summary: 'One metric series: raw points, a step range, buckets (min/max/last/time/count), or new points since a cursor',
        tags: ['series'],
        params: runParams,
        querystring: object({ key: metricKey, from: queryInt, to: queryInt, buckets: queryInt, since: str(100) }, ['key']),
      },
    },
    async (request) => {
      const { id } = request.params
      const { key, since } = request.query
      const [from, to, buckets] = [intOf(request.query.from), intOf(request.query.to), intOf(request.query.buckets)]
      await runFor(store, request, id, 'viewer')
      const range = { ...(from !== undefined && { from }), ...(to !== undefined && { to }) }
      if (buckets !== undefined) {
        if (since !== undefined) throw new TallyError('invalid_query', 'since reads raw points; leave out buckets')
        return toPlainJson(await store.readBuckets({ runId: id, key, buckets, ...range }))
      }
      return toPlainJson(await store.readSeries({ runId: id, key, ...range, ...(since !== undefined && { since }) }))
    },
  )

  app.get<{ Params: { id: string }; Querystring: { keys?: string[] } }>(
    '/api/v1/runs/:id/events',
    {
      // A HEAD of a stream would hold it open with nothing to send.
      exposeHeadRoute: false,
      schema: {
        summary: 'Server-Sent Events: new points of this run (per key, with a since cursor) and changes to it',
        tags: ['events'],
        params: runParams,
        querystring: object({ keys: { type: 'array', maxItems: 1000, items: metricKey } }),
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const run = await runFor(store, request, request.params.id, 'viewer')
      await hub.streamRun(request, reply, run, request.query.keys)
    },
  )

  app.get<{ Params: { workspace: string; project: string } }>(
    '/api/v1/workspaces/:workspace/projects/:project/events',
    {
      exposeHeadRoute: false,
      schema: {
        summary: 'Server-Sent Events: runs of this project as they change, and which keys got new points',
        tags: ['events'],
        params: projectParams,
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const { workspace, project } = request.params
      authorize(request.principal, workspace, 'viewer', `workspace ${workspace}`)
      await hub.streamProject(request, reply, workspace, project)
    },
  )
}
