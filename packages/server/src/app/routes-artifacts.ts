/**
 * Artifacts: the versions a project's runs logged, their manifests and their files' bytes,
 * and the blob upload a remote run sends those bytes through before the manifest. Readers
 * need a viewer key, uploads a writer key. Every name and path is checked before it comes
 * near the file system: `..`, absolute paths, backslashes and NUL get `invalid_path` (400).
 */
import { basename } from 'node:path'
import { TallyError } from '@tally/sdk'
import { checkArtifactName, checkEntryPath, isSha256, toPlainJson } from '@tally/sdk/spool'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { BlobStore } from '../blobs/blob-store.js'
import { artifactJson, artifactVersionJson } from '../shapes.js'
import type { ApiKeyRole, Store } from '../store/store.js'
import { authorize, notFound } from './auth.js'
import { runFor } from './routes-runs.js'
import { requireWorkspace } from './routes-workspaces.js'
import { object, projectName, runParams, str, workspaceName } from './schemas.js'

/** Largest part of one blob upload; the SDK sends 8 MiB parts. */
export const BLOB_PART_LIMIT = 64 * 1024 * 1024

const nameParams = object({ workspace: workspaceName, project: projectName, name: str(255) }, ['workspace', 'project', 'name'])
const versionParams = object({ workspace: workspaceName, project: projectName, name: str(255), version: str(64) }, [
  'workspace',
  'project',
  'name',
  'version',
])
const fileParams = object({ workspace: workspaceName, project: projectName, name: str(255), version: str(64), '*': str(4096) }, [
  'workspace',
  'project',
  'name',
  'version',
])
const blobParams = object({ workspace: workspaceName, sha256: str(64) }, ['workspace', 'sha256'])

interface VersionParams {
  workspace: string
  project: string
  name: string
  version: string
}

/** `bytes START-END/TOTAL` → offset and total; without the header the body is the whole blob. */
function contentRange(header: string | undefined, length: number): { offset: number; total: number } {
  if (header === undefined) return { offset: 0, total: length }
  const m = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/.exec(header.trim())
  const [start, end, total] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [Number.NaN, Number.NaN, Number.NaN]
  // An empty blob has no byte range to name: `bytes 0--1/0` is not HTTP, so it is sent whole.
  if (!m || end - start + 1 !== length || end >= total) {
    throw new TallyError(
      'invalid_request',
      `Content-Range must be "bytes START-END/TOTAL" matching the ${length} bytes sent; got ${JSON.stringify(header)}`,
    )
  }
  return { offset: start, total }
}

function blobName(sha256: string): string {
  if (!isSha256(sha256))
    throw new TallyError('invalid_path', `blob name ${JSON.stringify(sha256)} is not a sha256: send 64 lowercase hex digits`)
  return sha256
}

export function registerArtifactRoutes(app: FastifyInstance, store: Store, blobs: BlobStore): void {
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: BLOB_PART_LIMIT }, (_request, body, done) =>
    done(null, body),
  )

  const allowed = async (request: FastifyRequest, workspace: string, role: ApiKeyRole): Promise<void> => {
    authorize(request.principal, workspace, role, `workspace ${workspace}`)
    await requireWorkspace(store, workspace)
  }

  app.get<{ Params: { workspace: string; project: string } }>(
    '/api/v1/workspaces/:workspace/projects/:project/artifacts',
    {
      schema: {
        summary: 'Artifacts of a project, one item per name, by name',
        tags: ['artifacts'],
        params: object({ workspace: workspaceName, project: projectName }, ['workspace', 'project']),
      },
    },
    async (request) => {
      const { workspace, project } = request.params
      await allowed(request, workspace, 'viewer')
      return (await store.listArtifacts(project, workspace)).map(artifactJson)
    },
  )

  app.get<{ Params: { workspace: string; project: string; name: string } }>(
    '/api/v1/workspaces/:workspace/projects/:project/artifacts/:name',
    { schema: { summary: 'Versions of an artifact, newest first', tags: ['artifacts'], params: nameParams } },
    async (request) => {
      const { workspace, project, name } = request.params
      await allowed(request, workspace, 'viewer')
      const versions = await store.listArtifactVersions(project, checkArtifactName(name), workspace)
      if (versions.length === 0) throw notFound(`artifact ${name} in project ${project}`)
      return versions.map(artifactVersionJson)
    },
  )

  const version = async (request: FastifyRequest, p: VersionParams) => {
    await allowed(request, p.workspace, 'viewer')
    const v = await store.getArtifact(p.project, checkArtifactName(p.name), p.version, p.workspace)
    if (v === undefined) throw notFound(`artifact ${p.name}:${p.version} in project ${p.project}`)
    return v
  }

  app.get<{ Params: VersionParams }>(
    '/api/v1/workspaces/:workspace/projects/:project/artifacts/:name/:version',
    {
      schema: {
        summary: 'One version of an artifact (v3, latest or an alias), with its manifest',
        tags: ['artifacts'],
        params: versionParams,
      },
    },
    async (request) => artifactVersionJson(await version(request, request.params)),
  )

  app.get<{ Params: VersionParams & { '*': string } }>(
    '/api/v1/workspaces/:workspace/projects/:project/artifacts/:name/:version/files/*',
    {
      schema: {
        summary: "Download one entry of an artifact version: a file's bytes, or an object's JSON",
        tags: ['artifacts'],
        params: fileParams,
        produces: ['application/octet-stream'],
      },
    },
    async (request, reply) => {
      const path = checkEntryPath(request.params['*'])
      const v = await version(request, request.params)
      const entry = v.entries.find((e) => e.path === path)
      if (entry === undefined) throw notFound(`file ${path} in artifact ${v.name}:v${v.version}`)
      if (entry.kind === 'reference') {
        throw new TallyError('invalid_request', `${path} is a reference to ${entry.uri}, which Tally does not store; fetch it from there`)
      }
      reply.header('content-type', 'application/octet-stream')
      reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(basename(path))}`)
      if (entry.kind === 'object') return Buffer.from(JSON.stringify(toPlainJson(entry.value), null, 2))
      const bytes = await blobs.open(v.workspace, entry.sha256)
      if (bytes === undefined) {
        throw notFound(
          `the bytes of ${path} (blob ${entry.sha256}); they have not reached this server: run \`tally sync\` where the run logged them`,
        )
      }
      // The length of the stored bytes, never the manifest's word for it: a client's manifest
      // could name another size for the same blob.
      const stat = await blobs.stat(v.workspace, entry.sha256)
      if ('size' in stat) reply.header('content-length', String(stat.size))
      return reply.send(bytes)
    },
  )

  app.get<{ Params: { id: string } }>(
    '/api/v1/runs/:id/artifacts',
    { schema: { summary: 'Artifact versions a run logged first, in order', tags: ['artifacts'], params: runParams } },
    async (request) => {
      await runFor(store, request, request.params.id, 'viewer')
      return (await store.runArtifacts(request.params.id)).map(artifactVersionJson)
    },
  )

  app.get<{ Params: { workspace: string; sha256: string } }>(
    '/api/v1/workspaces/:workspace/blobs/:sha256',
    {
      schema: {
        summary: 'Whether the server has a blob (200) or how much of its upload it has (404 with received)',
        tags: ['artifacts'],
        params: blobParams,
      },
    },
    async (request) => {
      const { workspace } = request.params
      const sha256 = blobName(request.params.sha256)
      await allowed(request, workspace, 'writer')
      const s = await blobs.stat(workspace, sha256)
      if ('size' in s) return { sha256, size: s.size, complete: true }
      throw new TallyError('not_found', `no blob ${sha256} yet; upload it from byte ${s.received}`, { details: { received: s.received } })
    },
  )

  app.put<{ Params: { workspace: string; sha256: string }; Body: Buffer }>(
    '/api/v1/workspaces/:workspace/blobs/:sha256',
    {
      bodyLimit: BLOB_PART_LIMIT,
      schema: {
        summary: 'Upload a blob, whole or in parts (Content-Range: bytes START-END/TOTAL); checked against its sha256 when complete',
        tags: ['artifacts'],
        params: blobParams,
        consumes: ['application/octet-stream'],
      },
    },
    async (request) => {
      const { workspace } = request.params
      const sha256 = blobName(request.params.sha256)
      await allowed(request, workspace, 'writer')
      // An empty blob arrives as no body at all.
      const body = request.body ?? Buffer.alloc(0)
      if (!Buffer.isBuffer(body)) throw new TallyError('invalid_request', 'send the bytes as Content-Type: application/octet-stream')
      const { offset, total } = contentRange(request.headers['content-range'], body.length)
      return blobs.put(workspace, sha256, offset, total, body)
    },
  )
}
