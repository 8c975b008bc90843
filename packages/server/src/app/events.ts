/**
 * Live updates over Server-Sent Events. The store tells the hub what changed (points for
 * which keys of which run, or a run's fields); each stream reads only what is new to it and
 * sends that, so a live view never re-fetches history.
 *
 * Run stream (`/runs/{id}/events`): `points` events `{ run, key, steps, times, values,
 * cursor, reset }` holding only the points after the stream's cursor for that key, `run`
 * events with the run whenever it changes, and `console` events `{ run, lines, next }` with
 * the console lines written since the stream began (or since its last `console` event). Project stream (`/projects/{p}/events`): `run`
 * events for every run that changes, and `points` events `{ run, keys }` naming the keys
 * that got points, for a view to fetch with `since`.
 *
 * Changes are coalesced per stream: at most one read per key every 100 ms.
 */
import { toPlainJson } from '@tally/sdk/spool'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { runJson } from '../shapes.js'
import type { RunInfo, Store, StoreChange } from '../store/store.js'
import { authenticateKey } from './auth.js'

const COALESCE_MS = 100
/** Console lines per `console` event; a burst past it goes in several. */
const CONSOLE_BATCH = 1000
/** A client this far behind (unread bytes queued) is cut off; it reconnects and reloads. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024

interface Stream {
  matches(change: StoreChange): boolean
  onChange(change: StoreChange): void
  close(): void
}

export class EventHub {
  private readonly streams = new Set<Stream>()
  private readonly unwatch: () => void
  private closed = false

  constructor(
    private readonly store: Store,
    private readonly options: { keepAliveMs: number },
  ) {
    this.unwatch = store.watch((change) => {
      for (const s of this.streams) if (s.matches(change)) s.onChange(change)
    })
  }

  /** End every stream (server shutdown) and stop watching the store. */
  close(): void {
    this.closed = true
    this.unwatch()
    for (const s of this.streams) s.close()
    this.streams.clear()
  }

  async streamRun(request: FastifyRequest, reply: FastifyReply, run: RunInfo, keys: string[] | undefined): Promise<void> {
    const store = this.store
    const wanted = keys ? new Set(keys) : undefined
    const cursors = new Map<string, string>()
    const dirty = new Set<string>()
    let runDirty = false
    let consoleDirty = false
    /** The last console line the stream has seen; lines after it are sent. */
    let consoleSeq = 0
    // Subscribe first, then take each key's cursor at what exists now: the stream carries
    // exactly what comes after, and a change racing the start waits for the cursors.
    let ready: Promise<string[]> = Promise.resolve([])
    const sse = this.open(request, reply, {
      matches: (c) => c.runId === run.id,
      onChange: (c) => {
        if (c.type === 'run') runDirty = true
        else if (c.type === 'console') consoleDirty = true
        else for (const k of c.keys) if (!wanted || wanted.has(k)) dirty.add(k)
        sse.schedule()
      },
      flush: async () => {
        await ready
        if (runDirty) {
          runDirty = false
          const now = await store.getRun(run.id)
          sse.send('run', now ? runJson(now) : { id: run.id, deleted: true })
          // A deleted run has nothing more to tell.
          if (!now) {
            sse.close()
            return
          }
        }
        for (const key of [...dirty]) {
          dirty.delete(key)
          const since = cursors.get(key)
          const s = await store.readSeries({ runId: run.id, key, ...(since !== undefined && { since }) })
          cursors.set(key, s.cursor)
          if (s.steps.length > 0 || s.reset) sse.send('points', s)
        }
        while (consoleDirty) {
          const lines = await store.readConsole({ runId: run.id, after: consoleSeq, limit: CONSOLE_BATCH })
          consoleDirty = lines.length === CONSOLE_BATCH
          if (lines.length === 0) break
          consoleSeq = (lines[lines.length - 1] as { seq: number }).seq
          sse.send('console', { run: run.id, lines, next: consoleSeq })
        }
      },
    })
    ready = (async () => {
      const keys = (await store.metricKeys(run.id)).filter((k) => !wanted || wanted.has(k.key))
      for (const k of keys) cursors.set(k.key, (await store.readSeries({ runId: run.id, key: k.key, from: k.lastStep + 1 })).cursor)
      consoleSeq = (await store.readConsole({ runId: run.id, before: Number.MAX_SAFE_INTEGER, limit: 1 }))[0]?.seq ?? 0
      return keys.map((k) => k.key)
    })()
    try {
      const keys = await ready
      sse.send('hello', { run: run.id, keys, console: consoleSeq })
    } catch (e) {
      // The response is already a stream: say what happened in it, then end it.
      request.log.warn({ err: e }, 'event stream start failed')
      sse.send('error', { code: 'not_found', message: `run ${run.id} is gone or unreadable; reload the run` })
      sse.close()
    }
  }

  async streamProject(request: FastifyRequest, reply: FastifyReply, workspace: string, project: string): Promise<void> {
    const store = this.store
    const runs = new Set<string>()
    const points = new Map<string, Set<string>>()
    const sse = this.open(request, reply, {
      matches: (c) => c.type !== 'console' && c.workspace === workspace && c.project === project,
      onChange: (c) => {
        if (c.type === 'run') runs.add(c.runId)
        else if (c.type === 'points') {
          const keys = points.get(c.runId) ?? new Set<string>()
          for (const k of c.keys) keys.add(k)
          points.set(c.runId, keys)
        }
        sse.schedule()
      },
      flush: async () => {
        for (const id of [...runs]) {
          runs.delete(id)
          const run = await store.getRun(id)
          sse.send('run', run ? runJson(run) : { id, deleted: true })
        }
        for (const [id, keys] of [...points]) {
          points.delete(id)
          sse.send('points', { run: id, keys: [...keys] })
        }
      },
    })
    sse.send('hello', { workspace, project })
  }

  private open(
    request: FastifyRequest,
    reply: FastifyReply,
    handlers: { matches: Stream['matches']; onChange: Stream['onChange']; flush: () => Promise<void> },
  ) {
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    let timer: NodeJS.Timeout | undefined
    let running = false
    let again = false
    let ended = false
    const keepAlive = setInterval(() => {
      res.write(': keep-alive\n\n')
      // A key revoked while its stream is open stops the stream at the next keep-alive.
      if (request.principal?.kind === 'key') {
        authenticateKey(this.store, request).catch((e: Error) => {
          send('error', { code: 'unauthorized', message: e.message })
          stream.close()
        })
      }
    }, this.options.keepAliveMs)
    const stream: Stream = {
      matches: handlers.matches,
      onChange: handlers.onChange,
      close: () => {
        if (ended) return
        ended = true
        clearInterval(keepAlive)
        clearTimeout(timer)
        this.streams.delete(stream)
        res.end()
      },
    }
    const run = async (): Promise<void> => {
      timer = undefined
      if (ended) return
      if (running) {
        again = true
        return
      }
      running = true
      try {
        await handlers.flush()
      } catch (e) {
        request.log.warn({ err: e }, 'event stream read failed')
        send('error', { code: 'store_unavailable', message: 'reading new data failed; reconnect to resume' })
      } finally {
        running = false
      }
      if (again) {
        again = false
        schedule()
      }
    }
    const schedule = (): void => {
      if (timer === undefined && !ended) timer = setTimeout(run, COALESCE_MS)
    }
    const send = (event: string, data: unknown): void => {
      if (ended) return
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.write(
          `event: error\ndata: ${JSON.stringify({ code: 'payload_too_large', message: 'this client fell too far behind; reconnect' })}\n\n`,
        )
        stream.close()
        return
      }
      res.write(`event: ${event}\ndata: ${JSON.stringify(toPlainJson(data))}\n\n`)
    }
    request.raw.on('close', stream.close)
    if (this.closed) stream.close()
    else this.streams.add(stream)
    return { send, schedule, close: stream.close }
  }
}
