/** Workspaces, their projects and their API keys. */
import type { FastifyInstance } from 'fastify'
import { keyJson, projectJson, workspaceJson } from '../shapes.js'
import type { ApiKeyRole, Store } from '../store/store.js'
import { authorize, authorizeAdmin, issueKey, notFound, visibleWorkspace } from './auth.js'
import { object, str, workspaceName, wsParams } from './schemas.js'

export function registerWorkspaceRoutes(app: FastifyInstance, store: Store): void {
  app.get('/api/v1/workspaces', { schema: { summary: 'Workspaces this key can see', tags: ['workspaces'] } }, async (request) => {
    const own = visibleWorkspace(request.principal)
    const all = await store.listWorkspaces()
    return all.filter((w) => own === undefined || w.name === own).map(workspaceJson)
  })

  app.post<{ Body: { name: string } }>(
    '/api/v1/workspaces',
    {
      schema: {
        summary: 'Create a workspace (server administrator: an owner key of "default")',
        tags: ['workspaces'],
        body: object({ name: workspaceName }, ['name']),
        success: { status: 201, description: 'The new workspace' },
      },
    },
    async (request, reply) => {
      authorizeAdmin(request.principal, 'creating a workspace')
      const w = await store.createWorkspace(request.body.name)
      reply.code(201)
      return workspaceJson(w)
    },
  )

  app.get<{ Params: { workspace: string } }>(
    '/api/v1/workspaces/:workspace/projects',
    { schema: { summary: 'Projects of a workspace, most recently active first', tags: ['projects'], params: wsParams } },
    async (request) => {
      const { workspace } = request.params
      authorize(request.principal, workspace, 'viewer', `workspace ${workspace}`)
      await requireWorkspace(store, workspace)
      const list = await store.listProjects(workspace)
      return list.map(projectJson)
    },
  )

  app.get<{ Params: { workspace: string } }>(
    '/api/v1/workspaces/:workspace/keys',
    { schema: { summary: 'API keys of a workspace (owner)', tags: ['keys'], params: wsParams } },
    async (request) => {
      const { workspace } = request.params
      authorize(request.principal, workspace, 'owner', `workspace ${workspace}`)
      return (await store.listKeys(workspace)).map(keyJson)
    },
  )

  app.post<{ Params: { workspace: string }; Body: { role: ApiKeyRole; name?: string } }>(
    '/api/v1/workspaces/:workspace/keys',
    {
      schema: {
        summary: 'Create an API key (owner); the key is in this answer only',
        tags: ['keys'],
        params: wsParams,
        body: object({ role: { type: 'string', enum: ['owner', 'writer', 'viewer'] }, name: str(255) }, ['role']),
        success: { status: 201, description: 'The key, in this answer only' },
      },
    },
    async (request, reply) => {
      const { workspace } = request.params
      authorize(request.principal, workspace, 'owner', `workspace ${workspace}`)
      await requireWorkspace(store, workspace)
      const { key, info } = await issueKey(store, workspace, request.body.role, request.body.name ?? null)
      reply.code(201)
      return { ...keyJson(info), key }
    },
  )

  app.delete<{ Params: { workspace: string; id: string } }>(
    '/api/v1/workspaces/:workspace/keys/:id',
    {
      schema: {
        summary: 'Revoke an API key (owner)',
        tags: ['keys'],
        params: object({ workspace: workspaceName, id: str(64, { pattern: '^key_[A-Za-z0-9_-]+$' }) }, ['workspace', 'id']),
        success: { status: 204, description: 'Revoked' },
      },
    },
    async (request, reply) => {
      const { workspace, id } = request.params
      authorize(request.principal, workspace, 'owner', `workspace ${workspace}`)
      const keys = await store.listKeys(workspace)
      if (!keys.some((k) => k.id === id)) throw notFound(`key ${id}`)
      await store.revokeKey(id)
      reply.code(204)
    },
  )
}

export async function requireWorkspace(store: Store, workspace: string): Promise<void> {
  const all = await store.listWorkspaces()
  if (!all.some((w) => w.name === workspace)) throw notFound(`workspace ${workspace}`)
}
