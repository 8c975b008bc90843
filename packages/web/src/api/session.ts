/** The dashboard's sign-in (docs/api.md, "Dashboard sessions"): the key lives in an HttpOnly cookie. */
import { requestJson } from './client'

export type Role = 'owner' | 'writer' | 'viewer'

/** Who the dashboard is: a team server's key, or the local server's own dashboard. */
export interface SessionJson {
  mode: 'local' | 'team'
  /** The key's workspace; null on a local server, which sees every workspace. */
  workspace: string | null
  role: Role
  name: string | null
}

/** Who the session cookie is; an `ApiError` `unauthorized` when there is none. */
export function getSession(signal?: AbortSignal): Promise<SessionJson> {
  // The first ask takes the answer main.tsx asked for as the script started.
  const early = prefetched
  prefetched = undefined
  return early ?? requestJson<SessionJson>('GET', '/session', undefined, signal)
}

let prefetched: Promise<SessionJson> | undefined

/** Ask who the dashboard is as the page's script starts, while React mounts, not after. */
export function prefetchSession(): void {
  prefetched = requestJson<SessionJson>('GET', '/session')
  prefetched.catch(() => undefined) // its failure belongs to getSession's caller
}

/** Check `key` and keep it in the session cookie. */
export function signIn(key: string): Promise<SessionJson> {
  return requestJson<SessionJson>('POST', '/session', { key })
}

/** Clear the session cookie. */
export function signOut(): Promise<void> {
  return requestJson<void>('DELETE', '/session')
}

const RANK: Record<Role, number> = { viewer: 0, writer: 1, owner: 2 }

/** Whether a session may do what needs `role` (the server checks again). */
export function may(session: SessionJson, role: Role): boolean {
  return RANK[session.role] >= RANK[role]
}
