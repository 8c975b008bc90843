/**
 * The dashboard's files, served by the API's own Fastify app so `tally ui` and `tally serve`
 * need no second process. The built app (`packages/web`, built into `dist/web`) is listed
 * once when the app is created and only files on that list are served, so no request path,
 * however encoded, can reach outside it. Every other GET that is not an API path gets
 * `index.html`: the dashboard routes in the browser.
 */
import { createHash } from 'node:crypto'
import { type Dirent, existsSync, readdirSync, readFileSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { TallyError } from '@tally/sdk'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** Where `npm run build` puts the dashboard: `dist/web`, beside this module's `dist/app`. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url))

/** The routes that serve the dashboard; they need no API key (the page itself signs in). */
export const DASHBOARD_ROUTES = ['/', '/*'] as const

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt'])

/** Vite names what it emits under assets/ by content hash, so those never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable'
/** index.html and unhashed files: always revalidated (cheaply, by ETag). */
const REVALIDATE = 'no-cache'
/**
 * The page loads only its own scripts and styles and talks only to this server. Inline
 * `style` attributes stay allowed: charts and the run colours set them. No frame-ancestors:
 * Trackio-style embedding in an iframe is a feature.
 */
const CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'"

interface StaticFile {
  body: Buffer
  type: string
  etag: string
  cacheControl: string
  compressible: boolean
  /** Made on first request that accepts gzip, then kept. */
  gzipped?: Buffer
}

/** Every regular file under `dir` by URL path (`/assets/index-abc.js`); symlinks are left out. */
export function listSite(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>()
  if (!existsSync(dir)) return files
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[]
  for (const entry of entries) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    const urlPath = `/${relative(dir, path).split(sep).join('/')}`
    const ext = extname(entry.name).toLowerCase()
    const body = readFileSync(path)
    files.set(urlPath, {
      body,
      type: TYPES[ext] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      cacheControl: urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
      compressible: COMPRESSIBLE.has(ext) && body.length > 1024,
    })
  }
  return files
}

/**
 * Serve the dashboard built into `webDir` at `/`. API paths (`/api/…`, `/healthz`) and
 * missing files (a path whose last segment has a dot) keep the API's JSON 404; any other
 * path gets index.html, so a reload on a dashboard URL shows the same view.
 */
export function registerDashboard(
  app: FastifyInstance,
  webDir: string,
  /** Called for every answer that is the dashboard's page (index.html), e.g. to set a cookie. */
  onPage?: (request: FastifyRequest, reply: FastifyReply) => void,
): void {
  const files = listSite(webDir)
  const index = files.get('/index.html')
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const path = urlPath(request.url)
    if (path === undefined || path.startsWith('/api/') || path === '/api' || path === '/healthz') return notFound(reply)
    const file = files.get(path) ?? (isFileLike(path) ? undefined : index)
    if (file === undefined) {
      if (index === undefined && !isFileLike(path)) {
        throw new TallyError(
          'not_found',
          `the dashboard is not built into this server (no ${join(webDir, 'index.html')}): run \`npm run build\` in the Tally checkout; the API is at /api/v1`,
        )
      }
      return notFound(reply)
    }
    if (file === index) onPage?.(request, reply)
    return send(request, reply, file)
  }
  for (const route of DASHBOARD_ROUTES) app.get(route, handler)
}

/** The API's own 404, in its one error shape. */
function notFound(reply: FastifyReply): FastifyReply {
  reply.callNotFound()
  return reply
}

/** The decoded path of a request URL, or undefined when it cannot be decoded. */
function urlPath(url: string): string | undefined {
  const raw = url.split('?')[0] ?? '/'
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}

const isFileLike = (path: string): boolean => (path.split('/').pop() ?? '').includes('.')

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  reply.header('content-type', file.type).header('cache-control', file.cacheControl).header('etag', file.etag)
  reply.header('x-content-type-options', 'nosniff')
  if (file.type.startsWith('text/html')) reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer')
  if (file.compressible) reply.header('vary', 'accept-encoding')
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
  if (file.compressible && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
    file.gzipped ??= gzipSync(file.body)
    return reply.header('content-encoding', 'gzip').send(file.gzipped)
  }
  return reply.send(file.body)
}
