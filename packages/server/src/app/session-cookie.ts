/**
 * The dashboard's session cookie, and the same-origin rule for writes it carries.
 *
 * Cookies are scoped by host, not port, so `tally ui` and `tally serve` on one machine
 * would overwrite each other's cookie if they shared a name: each mode has its own.
 */
import { TallyError } from '@tally/sdk'
import type { FastifyRequest } from 'fastify'

/** Team server: holds the API key the dashboard signed in with. */
export const KEY_COOKIE = 'tally_key'
/** Local server: holds the install token, set by the dashboard's own page. */
export const LOCAL_COOKIE = 'tally_local'

/** A signed-in dashboard stays signed in this long, unless its key is revoked first. */
export const SESSION_MAX_AGE_S = 30 * 24 * 3600

/** The value of cookie `name` in a Cookie header, if it is there (the first one wins). */
export function parseCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue
    const value = part.slice(eq + 1).trim()
    return value.length > 0 ? value : undefined
  }
  return undefined
}

export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie
  return parseCookie(Array.isArray(header) ? header.join('; ') : header, name)
}

/**
 * A Set-Cookie value: HttpOnly (page scripts never see the credential), SameSite=Strict
 * (other sites' pages never send it), Path=/ (the page and the API share it), and Secure
 * when the page came over https. `maxAge` 0 clears it; none makes it last the browser session.
 */
export function sessionCookie(name: string, value: string, options: { secure: boolean; maxAge?: number }): string {
  const parts = [`${name}=${value}`, 'HttpOnly', 'SameSite=Strict', 'Path=/']
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`)
  if (options.secure) parts.push('Secure')
  return parts.join('; ')
}

/**
 * Whether the request came over https. Fastify reads X-Forwarded-Proto only when the server
 * trusts proxies; Tally does not (yet), so behind a TLS proxy the cookie is not marked Secure.
 */
/**
 * Whether the cookie must be `Secure`: the request came over TLS, or the browser's page is
 * https (its `Origin`, which scripts cannot set): behind a TLS proxy the server itself sees
 * plain http, and a key in a cookie must never travel in clear.
 */
export const overHttps = (request: FastifyRequest): boolean =>
  request.protocol === 'https' || (typeof request.headers.origin === 'string' && request.headers.origin.startsWith('https://'))

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Whether a browser says this request comes from a page of this server: `Sec-Fetch-Site:
 * same-origin`, or an `Origin` whose host and port are the Host header's. The scheme is not
 * compared: behind a TLS proxy the server sees http while the page is https.
 */
export function isSameOrigin(headers: FastifyRequest['headers']): boolean {
  if (headers['sec-fetch-site'] === 'same-origin') return true
  const origin = headers.origin
  const host = headers.host
  if (typeof origin !== 'string' || typeof host !== 'string' || origin === 'null') return false
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase()
  } catch {
    return false
  }
}

/**
 * A write carried by the session cookie alone must come from this server's own page;
 * otherwise any site open in the same browser could make it (CSRF).
 */
export function requireSameOrigin(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method) || isSameOrigin(request.headers)) return
  throw new TallyError(
    'cross_origin',
    `${request.method} with the dashboard's session cookie needs a same-origin Origin header (or Sec-Fetch-Site: same-origin); API clients send the key as "Authorization: Bearer …" instead`,
  )
}
