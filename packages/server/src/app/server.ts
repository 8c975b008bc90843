/**
 * Running the app for real: `tally serve` (team) and `tally ui` (local). Opens the store,
 * listens, follows the spool (local), and shuts down gracefully on SIGTERM or SIGINT:
 * no new connections, in-flight requests finish, event streams end, the store closes.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { ingestSpool } from '../ingest/ingest-spool.js'
import { openStore } from '../store/open.js'
import type { Store } from '../store/store.js'
import { createApp } from './app.js'
import { issueKey } from './auth.js'

/** How long a shutdown waits for requests in flight before cutting their connections. */
const SHUTDOWN_GRACE_MS = 10_000

export interface ServeOptions {
  mode: 'local' | 'team'
  host: string
  port: number
  /** `sqlite:PATH` or `postgres://…`. */
  db: string
  /** Local mode: the Tally directory whose spool is followed. */
  dataDir: string
  recordsBodyLimit?: number
  /** Local mode: how often the spool is checked for new records, ms. Default 250. */
  followMs?: number
  log: (line: string) => void
}

export interface RunningServer {
  app: FastifyInstance
  store: Store
  url: string
  close(): Promise<void>
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  mkdirSync(options.dataDir, { recursive: true })
  const store = await openStore(options.db)
  let stopFollowing = (): Promise<void> => Promise.resolve()
  let app: FastifyInstance | undefined
  try {
    const localToken = options.mode === 'local' ? installToken(options.dataDir) : undefined
    app = await createApp({
      store,
      config: {
        mode: options.mode,
        blobDir: join(options.dataDir, 'blobs'),
        ...(localToken !== undefined && { localToken }),
        ...(options.recordsBodyLimit !== undefined && { recordsBodyLimit: options.recordsBodyLimit }),
      },
    })
    if (options.mode === 'team') await printFirstKey(store, options.log)
    else stopFollowing = followSpool(store, options.dataDir, options.followMs ?? 250, options.log)
    await app.listen({ host: options.host, port: options.port })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : options.port
    const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`
    let closing: Promise<void> | undefined
    const running = app
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        await stopFollowing()
        // Requests in flight get a grace period; one that still trickles in after it (a
        // stalled upload) is cut off, so a SIGTERM always ends the process.
        const grace = setTimeout(() => running.server.closeAllConnections(), SHUTDOWN_GRACE_MS)
        try {
          await running.close()
        } finally {
          clearTimeout(grace)
        }
        await store.close()
      })())
    return { app: running, store, url, close }
  } catch (e) {
    // A port in use, say: nothing may stay open behind the error.
    await stopFollowing()
    await app?.close()
    await store.close()
    throw e
  }
}

/** The per-install token that writes to a local server need, created on first use (0600). */
export function installToken(dataDir: string): string {
  const path = join(dataDir, 'ui-token')
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim()
    // It goes into a cookie and a header as it is: anything but the shape we write is replaced.
    if (/^[A-Za-z0-9_-]{32,200}$/.test(token)) return token
  }
  const token = randomBytes(24).toString('base64url')
  writeFileSync(path, `${token}\n`, { mode: 0o600 })
  chmodSync(path, 0o600)
  return token
}

/** A new team server has no keys: make one owner key of "default" and print it once. */
async function printFirstKey(store: Store, log: (line: string) => void): Promise<void> {
  if ((await store.listKeys()).length > 0) return
  const { key } = await issueKey(store, 'default', 'owner', 'first owner key')
  log(`A new server: here is an owner key of workspace "default". It is shown only this once; keep it safe.\n\n  ${key}\n`)
}

/**
 * Ingest the spool as it grows, one pass at a time, so a local script's points are visible
 * within a fraction of a second. Returns a function that stops after the pass under way.
 */
function followSpool(store: Store, dataDir: string, everyMs: number, log: (line: string) => void): () => Promise<void> {
  let stopped = false
  let pass: Promise<void> = Promise.resolve()
  let timer: NodeJS.Timeout | undefined
  let lastProblem = ''
  const seen = new Map<string, number>()
  const tick = (): void => {
    pass = (async () => {
      try {
        const report = await ingestSpool(store, dataDir, { seen })
        const problem = report.problems.map((p) => `${p.file}: ${p.detail}`).join('; ')
        if (problem && problem !== lastProblem)
          log(`warning: damaged spool records skipped (everything before them was ingested): ${problem}`)
        lastProblem = problem
      } catch (e) {
        log(`warning: ingesting the spool failed, retrying: ${(e as Error).message}`)
      }
      if (!stopped) timer = setTimeout(tick, everyMs)
    })()
  }
  tick()
  return async () => {
    stopped = true
    clearTimeout(timer)
    await pass
  }
}
