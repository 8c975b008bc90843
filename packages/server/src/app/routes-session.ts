/**
 * The dashboard's sign-in: `POST /session {key}` puts a valid API key into an HttpOnly
 * cookie (session-cookie.ts), `GET /session` says who the cookie (or header) is, `DELETE
 * /session` clears it. The cookie holds the key itself and is checked like one on every
 * request, so a revoked key's sessions end at once, with no session table to keep in step
 * across replicas.
 *
 * On a local server (`tally ui`) there is nothing to sign in to: the dashboard's page sets
 * the install-token cookie itself (static.ts), and `GET /session` says whether the request
 * carries write rights.
 */
import { TallyError } from '@tally/sdk'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Store } from '../store/store.js'
import { authenticateKey, KEY_PREFIX, keyInfo, type Principal } from './auth.js'
import { object, str } from './schemas.js'
import { isSameOrigin, KEY_COOKIE, overHttps, SESSION_MAX_AGE_S, sessionCookie } from './session-cookie.js'

export const SESSION_ROUTE = '/api/v1/session'

/** What `GET`/`POST /session` answer. */
export interface SessionJson {
  mode: 'local' | 'team'
  /** The key's workspace; null on a local server, which sees every workspace. */
  workspace: string | null
  role: 'owner' | 'writer' | 'viewer'
  /** The key's name, if it was given one. */
  name: string | null
}

function sessionJson(principal: Principal): SessionJson {
  if (principal.kind === 'local') return { mode: 'local', workspace: null, role: principal.token ? 'owner' : 'viewer', name: null }
  return { mode: 'team', workspace: principal.key.workspace, role: principal.key.role, name: principal.key.name }
}

export function registerSessionRoutes(app: FastifyInstance, store: Store, mode: 'local' | 'team'): void {
  // Team mode: these routes are public in app.ts's onRequest hook (POST carries its key in
  // the body; DELETE must clear even a revoked key's cookie), so GET authenticates here.
  const principal = async (request: FastifyRequest): Promise<Principal> =>
    mode === 'local' ? request.principal : authenticateKey(store, request)

  app.get(
    SESSION_ROUTE,
    {
      schema: {
        summary: "Who this request is: the signed-in key's workspace, role and name (401 when none)",
        tags: ['session'],
      },
    },
    async (request) => sessionJson(await principal(request)),
  )

  app.post<{ Body: { key: string } }>(
    SESSION_ROUTE,
    {
      schema: {
        summary: 'Sign the dashboard in: check an API key and keep it in an HttpOnly, SameSite=Strict cookie',
        tags: ['session'],
        public: true,
        body: object({ key: str(300) }, ['key']),
      },
    },
    async (request, reply) => {
      if (mode === 'local') {
        throw new TallyError(
          'invalid_request',
          'tally ui needs no sign-in: its dashboard reads everything and may write from this machine; API keys are for tally serve',
        )
      }
      // Signing a browser into someone else's key from another site is an attack too.
      if (request.headers.origin !== undefined && !isSameOrigin(request.headers)) {
        throw new TallyError('cross_origin', 'sign in from the dashboard this server serves, not from another site')
      }
      const key = request.body.key.trim()
      const info = await keyInfo(store, key)
      if (!info) {
        const hint = key.startsWith(KEY_PREFIX)
          ? 'this API key is unknown or revoked: check that you pasted all of it, or ask a workspace owner for a new one'
          : `this is not a Tally API key (they start with ${KEY_PREFIX})`
        throw new TallyError('unauthorized', `${hint}; an owner makes one with tally keys create --workspace W --role viewer`)
      }
      reply.header('set-cookie', sessionCookie(KEY_COOKIE, key, { secure: overHttps(request), maxAge: SESSION_MAX_AGE_S }))
      return sessionJson({ kind: 'key', key: info })
    },
  )

  app.delete(
    SESSION_ROUTE,
    {
      schema: {
        summary: 'Sign the dashboard out: clear the session cookie (the key itself stays valid)',
        tags: ['session'],
        public: true,
        success: { status: 204, description: 'Signed out' },
      },
    },
    async (request, reply) => {
      reply.header('set-cookie', sessionCookie(KEY_COOKIE, '', { secure: overHttps(request), maxAge: 0 }))
      reply.code(204)
    },
  )
}
