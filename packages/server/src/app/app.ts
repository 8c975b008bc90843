/**
 * The Tally HTTP server: one Fastify app for `tally ui` (local) and `tally serve` (team),
 * built by a factory that never listens, so routes are tested in-process with `inject()`
 * and over a real port alike.
 */
import { TallyError } from '@tally/sdk'
import { Ajv } from 'ajv'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { FsBlobStore } from '../blobs/fs-blob-store.js'
import type { Store } from '../store/store.js'
import { authenticateKey, isLocalHost, localPrincipal, type Principal } from './auth.js'
import { clientErrorHandler, errorHandler, frameworkErrorHandler } from './errors.js'
import { EventHub } from './events.js'
import { OpenApiCollector } from './openapi.js'
import { registerArtifactRoutes } from './routes-artifacts.js'
import { registerBatchRoutes } from './routes-batch.js'
import { registerIngestRoutes } from './routes-ingest.js'
import { registerRunRoutes } from './routes-runs.js'
import { registerSessionRoutes, SESSION_ROUTE } from './routes-session.js'
import { registerValueRoutes } from './routes-values.js'
import { registerWorkspaceRoutes } from './routes-workspaces.js'
import { LOCAL_COOKIE, overHttps, sessionCookie } from './session-cookie.js'
import { DASHBOARD_ROUTES, DEFAULT_WEB_DIR, registerDashboard } from './static.js'

export const VERSION = '0.1.0'
/** Team mode: routes that need no key (the session routes check what they need themselves). */
const PUBLIC_ROUTES = new Set<string>(['/healthz', '/api/v1/openapi.json', SESSION_ROUTE, ...DASHBOARD_ROUTES])
export const SPOOL_MEDIA_TYPE = 'application/vnd.tally.spool'

export interface AppConfig {
  /** `local` (tally ui: loopback, Host check, token for writes) or `team` (API keys). */
  mode: 'local' | 'team'
  /** Local mode: the per-install token that writes need. */
  localToken?: string
  /** Largest spool-records body, bytes. Default 64 MiB. */
  recordsBodyLimit?: number
  /** Largest JSON body, bytes. Default 1 MiB. */
  jsonBodyLimit?: number
  /** Log requests (pino, JSON lines on stdout). Default off. */
  logger?: boolean
  /** How often an idle event stream gets a keep-alive comment, ms. Default 15 s. */
  keepAliveMs?: number
  /**
   * Where artifact files' bytes are kept (`<data dir>/blobs`, the folder the SDK writes in a
   * Tally directory). Without it the artifact routes are not served.
   */
  blobDir?: string
  /** The built dashboard served at `/`. Default: `dist/web` of this package, where `npm run build` puts it. */
  webDir?: string
}

export interface AppOptions {
  store: Store
  config: AppConfig
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal
  }
}

export async function createApp({ store, config }: AppOptions): Promise<FastifyInstance> {
  const recordsLimit = config.recordsBodyLimit ?? 64 * 1024 * 1024
  const app = Fastify({
    logger: config.logger ?? false,
    bodyLimit: config.jsonBodyLimit ?? 1024 * 1024,
    // Project names (255 characters) percent-encoded can be twelve times as long.
    routerOptions: { maxParamLength: 4096 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Refused below instead, in the one error shape.
    return503OnClosing: false,
  })
  // Bodies are JSON and must have the declared types (a name of 123 is an error, not "123");
  // query strings and paths are text, so a repeated parameter becomes an array there.
  // Unknown fields are refused, never silently dropped.
  const bodies = new Ajv({ coerceTypes: false, removeAdditional: false, allErrors: false, strict: false })
  const texts = new Ajv({ coerceTypes: 'array', removeAdditional: false, allErrors: false, strict: false })
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodies : texts).compile(schema))
  if (config.mode === 'local' && !config.localToken) throw new TallyError('invalid_argument', 'a local server needs localToken for writes')
  const openapi = new OpenApiCollector()
  app.addHook('onRoute', openapi.onRoute)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}; see /api/v1/openapi.json` } })
  })
  // The records route raises its own body limit; every other route keeps the JSON one.
  app.addContentTypeParser(SPOOL_MEDIA_TYPE, { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  app.decorateRequest('principal', null as never)

  let closing = false
  app.addHook('onRequest', async (request) => {
    if (closing) throw new TallyError('store_unavailable', 'the server is shutting down; retry in a moment')
    if (config.mode === 'local') {
      if (!isLocalHost(request.headers.host)) {
        throw new TallyError(
          'forbidden',
          `Host "${request.headers.host ?? ''}" is not this machine; open the dashboard at http://127.0.0.1`,
        )
      }
      request.principal = localPrincipal(request, config.localToken as string)
      return
    }
    // Decided by the route matched, not the URL as sent (which may be percent-encoded or
    // absolute): every route needs a key but these, and unmatched paths, which answer 404.
    const route = request.routeOptions.url
    if (route === undefined || PUBLIC_ROUTES.has(route)) return
    request.principal = await authenticateKey(store, request)
  })

  const hub = new EventHub(store, { keepAliveMs: config.keepAliveMs ?? 15_000 })
  app.addHook('preClose', async () => {
    closing = true
    hub.close()
  })

  app.get('/healthz', async () => ({ ok: true, version: VERSION }))
  app.get('/api/v1/openapi.json', async () => openapi.document(VERSION))
  registerWorkspaceRoutes(app, store)
  registerRunRoutes(app, store, hub)
  registerValueRoutes(app, store)
  registerBatchRoutes(app, store)
  registerIngestRoutes(app, store, { recordsLimit })
  if (config.blobDir !== undefined) registerArtifactRoutes(app, store, new FsBlobStore(config.blobDir))
  registerSessionRoutes(app, store, config.mode)
  // Local mode: the dashboard's page hands the browser the install token in an HttpOnly,
  // SameSite=Strict cookie, so run edits work in it with no sign-in. Only a request that
  // passed the Host check gets the page, and writes carried by the cookie must come from it
  // (same Origin), so other sites cannot use it. The price: any account on this machine that
  // can open the page gets write rights, as it already gets read rights; the token file
  // (0600) still guards scripts that send it themselves.
  const localToken = config.localToken
  const onPage =
    config.mode === 'local' && localToken !== undefined
      ? (request: FastifyRequest, reply: FastifyReply): void => {
          reply.header('set-cookie', sessionCookie(LOCAL_COOKIE, localToken, { secure: overHttps(request) }))
          const runs = firstRunsPath(request.url)
          // The browser asks for a project's first runs while it still loads the script, which
          // asks for the same URL (packages/web/src/api/client.ts) and gets that answer.
          if (runs !== undefined) reply.header('link', `<${runs}>; rel=preload; as=fetch; crossorigin=anonymous`)
        }
      : undefined
  registerDashboard(app, config.webDir ?? DEFAULT_WEB_DIR, onPage)
  return app
}

/**
 * For a project page's URL (`/?project=P`, optionally `workspace=W`), the API path of its
 * first page of runs, exactly as the dashboard's client writes it; else undefined.
 */
export function firstRunsPath(url: string): string | undefined {
  const q = new URLSearchParams(url.split('?')[1] ?? '')
  const project = q.get('project')
  if (!project || q.has('run') || q.has('compare')) return undefined
  const ws = q.get('workspace') || 'default'
  const query = new URLSearchParams({ sort: 'createdAt', order: 'desc', limit: '100', offset: '0' })
  return `/api/v1/workspaces/${encodeURIComponent(ws)}/projects/${encodeURIComponent(project)}/runs?${query}`
}
