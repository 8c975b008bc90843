/**
 * Where a run's records go in remote mode: a team server, an API key and a workspace, from
 * `init` options or the environment. Checked once here, so the sender can trust them.
 */
import { TallyError } from '../errors.js'
import { describe } from '../validate.js'

export interface RemoteTarget {
  /** `http(s)://host[:port][/prefix]`, without a trailing slash. */
  serverUrl: string
  apiKey: string
  workspace: string
}

export interface RemoteOptions {
  serverUrl?: string | undefined
  apiKey?: string | undefined
  workspace?: string | undefined
}

/** The server's rule for workspace names (see the server's schemas). */
const WORKSPACE_PATTERN = /^[A-Za-z0-9._-]{1,255}$/

/**
 * The remote target of `init` options, else of `TALLY_SERVER_URL`, `TALLY_API_KEY` and
 * `TALLY_WORKSPACE`; undefined when neither names a server (local mode).
 */
export function remoteTarget(options: RemoteOptions, env: NodeJS.ProcessEnv = process.env): RemoteTarget | undefined {
  const serverUrl = options.serverUrl ?? (env.TALLY_SERVER_URL || undefined)
  if (serverUrl === undefined) return undefined
  const apiKey = options.apiKey ?? (env.TALLY_API_KEY || undefined)
  if (typeof apiKey !== 'string' || apiKey.length === 0) {
    throw new TallyError(
      'invalid_argument',
      `logging to ${String(serverUrl)} needs an API key with the writer role: pass apiKey or set TALLY_API_KEY (create one with: tally keys create --workspace W --role writer)`,
    )
  }
  return {
    serverUrl: checkServerUrl(serverUrl),
    apiKey,
    workspace: checkWorkspace(options.workspace ?? (env.TALLY_WORKSPACE || 'default')),
  }
}

export function checkServerUrl(value: unknown): string {
  let url: URL | undefined
  try {
    url = typeof value === 'string' ? new URL(value) : undefined
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new TallyError(
      'invalid_argument',
      `serverUrl must be an http(s) address such as https://tally.example.com; got ${describe(value)}`,
    )
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}

export function checkWorkspace(value: unknown): string {
  if (typeof value !== 'string' || !WORKSPACE_PATTERN.test(value) || value === '.' || value === '..') {
    throw new TallyError(
      'invalid_argument',
      `workspace names are 1 to 255 characters of A-Z, a-z, 0-9, '.', '_' and '-' (not "." or ".."); got ${describe(value)}`,
    )
  }
  return value
}

/** The run's page on the dashboard. */
export function runUrl(target: RemoteTarget, project: string, runId: string): string {
  return `${target.serverUrl}/${encodeURIComponent(target.workspace)}/${encodeURIComponent(project)}/runs/${encodeURIComponent(runId)}`
}
