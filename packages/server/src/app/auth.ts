/**
 * Who is asking, and what they may do.
 *
 * A team server (`tally serve`) needs an API key on every /api/v1 route: `tally_sk_…`, kept
 * in the store only as its sha256, scoped to one workspace with a role. A key never reaches
 * another workspace: such requests get 404, exactly as if the thing did not exist, so keys
 * cannot probe for names. The owner of the "default" workspace administers the server
 * (creates workspaces).
 *
 * A local server (`tally ui`) binds 127.0.0.1, answers only requests whose Host header is
 * local (so a web page on another origin cannot reach it through DNS rebinding), and needs
 * its per-install token for writes.
 *
 * The dashboard cannot send headers from an EventSource, and should not hold a key where
 * page scripts can read it, so it carries its credential in an HttpOnly, SameSite=Strict
 * cookie (session.ts): the API key itself on a team server, checked like a header key on
 * every request (so revoking the key ends the session at once), and the install token on a
 * local server. A header always wins over the cookie. Browsers attach cookies to requests
 * other sites' pages make, so a write carried by the cookie alone must also prove it came
 * from this server's own page (`requireSameOrigin`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { TallyError } from '@tally/sdk'
import type { FastifyRequest } from 'fastify'
import { DEFAULT_WORKSPACE } from '../store/checks.js'
import type { ApiKeyInfo, ApiKeyRole, Store } from '../store/store.js'
import { cookieOf, KEY_COOKIE, LOCAL_COOKIE, requireSameOrigin } from './session-cookie.js'

export const KEY_PREFIX = 'tally_sk_'

export type Principal =
  | { kind: 'key'; key: ApiKeyInfo }
  /** `tally ui`: anyone on this machine may read; `token` says the per-install token came along. */
  | { kind: 'local'; token: boolean }

const RANK: Record<ApiKeyRole, number> = { viewer: 0, writer: 1, owner: 2 }

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** A new key: the plaintext (shown once) and what the store keeps. */
export function newKey(): { key: string; id: string; hash: string; prefix: string } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`
  return { key, id: `key_${randomBytes(9).toString('base64url')}`, hash: hashKey(key), prefix: key.slice(0, KEY_PREFIX.length + 6) }
}

/** Create and store a key; returns the plaintext, which nothing keeps. */
export async function issueKey(
  store: Store,
  workspace: string,
  role: ApiKeyRole,
  name: string | null = null,
): Promise<{ key: string; info: ApiKeyInfo }> {
  const k = newKey()
  const info = await store.createKey({ id: k.id, workspace, role, hash: k.hash, prefix: k.prefix, name })
  return { key: k.key, info }
}

/** The key sent as `Authorization: Bearer …` or `x-api-key` (Tora's header), if any. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    if (m) return m[1]
  }
  const x = request.headers['x-api-key']
  return typeof x === 'string' && x.length > 0 ? x : undefined
}

export async function authenticateKey(store: Store, request: FastifyRequest): Promise<Principal> {
  let key = presentedKey(request)
  if (key === undefined) {
    key = cookieOf(request, KEY_COOKIE)
    if (key !== undefined) requireSameOrigin(request)
  }
  if (key === undefined) {
    throw new TallyError(
      'unauthorized',
      'this server needs an API key: send "Authorization: Bearer tally_sk_…", or sign in on the dashboard (create a key with tally keys create)',
    )
  }
  const info = await keyInfo(store, key)
  if (!info)
    throw new TallyError('unauthorized', 'this API key is unknown or revoked; ask a workspace owner for a new one (tally keys create)')
  return { kind: 'key', key: info }
}

/** The stored key a plaintext key stands for, if it is one and not revoked. */
export async function keyInfo(store: Store, key: string): Promise<ApiKeyInfo | undefined> {
  return key.startsWith(KEY_PREFIX) && key.length < 200 ? store.keyByHash(hashKey(key)) : undefined
}

export function localPrincipal(request: FastifyRequest, token: string): Principal {
  const sent = presentedKey(request) ?? (request.headers['x-tally-token'] as string | undefined)
  if (typeof sent === 'string') return { kind: 'local', token: safeEqual(sent, token) }
  // The dashboard's page set this cookie (static.ts); a write carried by it alone must come
  // from that page, not from another site the browser has open.
  const cookie = cookieOf(request, LOCAL_COOKIE)
  if (cookie === undefined || !safeEqual(cookie, token)) return { kind: 'local', token: false }
  requireSameOrigin(request)
  return { kind: 'local', token: true }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** True when a Host header names this machine's loopback (any port). */
export function isLocalHost(host: string | undefined): boolean {
  return host !== undefined && LOCAL_HOST.test(host)
}

const LOCAL_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i

/**
 * Check that the principal may act on `workspace` with at least `role`. Another
 * workspace's key gets `not_found`, the same answer as for a workspace that does not exist.
 */
export function authorize(principal: Principal, workspace: string, role: ApiKeyRole, what: string): void {
  if (principal.kind === 'local') {
    if (role !== 'viewer' && !principal.token) {
      throw new TallyError(
        'unauthorized',
        `${what} changes data: send the token in the ui-token file of the Tally directory (~/.tally/ui-token by default) as "Authorization: Bearer <token>"`,
      )
    }
    return
  }
  if (principal.key.workspace !== workspace) throw notFound(what)
  if (RANK[principal.key.role] < RANK[role]) {
    throw new TallyError('forbidden', `${what} needs a ${role} key; this key is a ${principal.key.role} key of workspace "${workspace}"`)
  }
}

/** Creating workspaces is for the server's administrator: an owner of "default". */
export function authorizeAdmin(principal: Principal, what: string): void {
  if (principal.kind === 'local') {
    authorize(principal, DEFAULT_WORKSPACE, 'owner', what)
    return
  }
  if (principal.key.workspace !== DEFAULT_WORKSPACE || principal.key.role !== 'owner') {
    throw new TallyError('forbidden', `${what} needs an owner key of the "default" workspace (the server's administrator)`)
  }
}

/** Workspaces a principal may see: its own, or all for a local server. */
export function visibleWorkspace(principal: Principal): string | undefined {
  return principal.kind === 'key' ? principal.key.workspace : undefined
}

export function notFound(what: string): TallyError {
  return new TallyError('not_found', `${what}: not found (or not in this key's workspace)`)
}
