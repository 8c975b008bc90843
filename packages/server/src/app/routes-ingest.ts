/**
 * Spool records over HTTP (docs/wire-format.md): the bytes a writer appended to its spool
 * file, sent as they are. Idempotent on (writer, seq); the answer is the acknowledged seq.
 */
import { TallyError } from '@tally/sdk'
import { decodeRecords } from '@tally/sdk/spool'
import type { FastifyInstance } from 'fastify'
import type { Store } from '../store/store.js'
import { authorize, notFound } from './auth.js'
import { object, workspaceName, writerId } from './schemas.js'

const writerParams = object({ workspace: workspaceName, writerId }, ['workspace', 'writerId'])

export function registerIngestRoutes(app: FastifyInstance, store: Store, options: { recordsLimit: number }): void {
  app.get<{ Params: { workspace: string; writerId: string } }>(
    '/api/v1/workspaces/:workspace/writers/:writerId',
    { schema: { summary: 'Where a writer stands: its acknowledged seq (404: start at seq 1)', tags: ['ingest'], params: writerParams } },
    async (request) => {
      const { workspace, writerId: id } = request.params
      authorize(request.principal, workspace, 'writer', `workspace ${workspace}`)
      const state = await store.writerState(id)
      if (!state || state.workspace !== workspace) throw notFound(`writer ${id}`)
      return { writerId: state.writerId, runId: state.runId, ackedSeq: state.ackedSeq }
    },
  )

  app.post<{ Params: { workspace: string; writerId: string }; Body: Buffer }>(
    '/api/v1/workspaces/:workspace/writers/:writerId/records',
    {
      bodyLimit: options.recordsLimit,
      schema: {
        summary: 'Send spool records (application/vnd.tally.spool): idempotent on writer and seq',
        description: `Body: whole spool records, as in the writer's spool file. At most ${options.recordsLimit} bytes.`,
        tags: ['ingest'],
        params: writerParams,
        consumes: ['application/vnd.tally.spool'],
      },
    },
    async (request) => {
      const { workspace, writerId: id } = request.params
      authorize(request.principal, workspace, 'writer', `workspace ${workspace}`)
      const body = request.body
      if (!Buffer.isBuffer(body)) throw new TallyError('invalid_request', 'send records as Content-Type: application/vnd.tally.spool')
      // Copy to an 8-aligned buffer so float arrays are read in place, not one by one.
      const aligned = body.byteOffset % 8 === 0 ? body : Buffer.from(body)
      const decoded = decodeRecords(aligned)
      if (decoded.stop || decoded.records.length === 0) {
        throw new TallyError(
          'spool_format',
          `the body must be whole spool records; ${decoded.stop === 'corrupt' ? `a record is damaged (${decoded.detail ?? 'bad checksum'})` : 'it ends inside a record'} at byte ${decoded.consumed}; nothing was stored`,
        )
      }
      return store.ingest(id, decoded.records, { workspace, receivedAt: Date.now() })
    },
  )
}
