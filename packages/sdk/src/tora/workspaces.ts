/** Tora's `create_workspace` over the team server's `POST /api/v1/workspaces`. */
import { ERROR_CODES, type ErrorCode, TallyError } from '../errors.js'
import { checkServerUrl, checkWorkspace } from '../remote/target.js'
import type { ToraConnection } from './tora-client.js'
import { checkWorkspaceDescription, checkWorkspaceName } from './tora-rules.js'

export interface CreateWorkspaceOptions extends ToraConnection {
  /** At most 1000 characters. Checked, but not stored: Tally's workspaces have no description yet. */
  description?: string
}

export interface ToraWorkspace {
  /** The workspace's name: what `workspaceId` takes. */
  id: string
  name: string
  description: string | null
}

/**
 * Create a workspace on a Tally team server. Needs the server administrator's key (an owner
 * key of the "default" workspace). The new workspace's `id` is what `workspaceId` takes.
 *
 * @example
 * const ws = await createWorkspace('vision-team', { serverUrl: 'https://tally.example.com' })
 * setup('resnet', { workspaceId: ws.id, serverUrl: 'https://tally.example.com' })
 */
export async function createWorkspace(name: string, options: CreateWorkspaceOptions = {}): Promise<ToraWorkspace> {
  const workspace = checkWorkspace(checkWorkspaceName(name))
  if (options.description !== undefined && options.description !== null) checkWorkspaceDescription(options.description)
  const rawUrl = options.serverUrl ?? (process.env.TALLY_SERVER_URL || undefined)
  if (rawUrl === undefined) {
    throw new TallyError(
      'invalid_argument',
      'createWorkspace() needs a team server: pass serverUrl or set TALLY_SERVER_URL (a local Tally has one workspace, "default")',
    )
  }
  const serverUrl = checkServerUrl(rawUrl)
  const apiKey = options.apiKey ?? (process.env.TORA_API_KEY || process.env.TALLY_API_KEY || undefined)
  if (apiKey === undefined) {
    throw new TallyError(
      'invalid_argument',
      'createWorkspace() needs the server administrator\'s key (an owner key of "default"): pass apiKey or set TORA_API_KEY',
    )
  }
  let response: Response
  try {
    response = await fetch(`${serverUrl}/api/v1/workspaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ name: workspace }),
      redirect: 'error',
      signal: AbortSignal.timeout(30_000),
    })
  } catch (e) {
    throw new TallyError(
      'server_unreachable',
      `could not reach ${serverUrl}: ${(e as Error).message}; check serverUrl and that the server is up`,
      { cause: e },
    )
  }
  const body = (await response.json().catch(() => undefined)) as
    | { name?: unknown; error?: { code?: unknown; message?: unknown } }
    | undefined
  if (!response.ok) {
    const code =
      typeof body?.error?.code === 'string' && body.error.code in ERROR_CODES ? (body.error.code as ErrorCode) : 'server_unreachable'
    const message = typeof body?.error?.message === 'string' ? body.error.message : `the server answered HTTP ${response.status}`
    throw new TallyError(code, `createWorkspace(${JSON.stringify(workspace)}): ${message}`)
  }
  const created = typeof body?.name === 'string' ? body.name : workspace
  return { id: created, name: created, description: null }
}
