/** Test helpers for the HTTP app: a fresh app on a real SQLite file, keys, and record bytes. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeEvent, encodePoints, KIND_EVENT, type SpoolRecord } from '@tally/sdk/spool'
import type { FastifyInstance } from 'fastify'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import type { ApiKeyRole, Store } from '../store/store.js'
import { type AppConfig, createApp } from './app.js'
import { issueKey } from './auth.js'

export interface TestApp {
  app: FastifyInstance
  store: Store
  dir: string
  close(): Promise<void>
}

export async function testApp(config: Partial<AppConfig> = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-app-'))
  const store = openSqliteStore(join(dir, 'tally.db'))
  const app = await createApp({ store, config: { mode: 'team', blobDir: join(dir, 'blobs'), ...config } })
  await app.ready()
  return {
    app,
    store,
    dir,
    async close() {
      await app.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Keys of every role in workspace `ws` (created if missing). */
export async function keysFor(store: Store, ws: string): Promise<Record<ApiKeyRole, string>> {
  if (!(await store.listWorkspaces()).some((w) => w.name === ws)) await store.createWorkspace(ws)
  const out = {} as Record<ApiKeyRole, string>
  for (const role of ['owner', 'writer', 'viewer'] as const) out[role] = (await issueKey(store, ws, role)).key
  return out
}

/** Spool records as the bytes a writer appends to its file (and sends over the wire). */
export function recordBytes(records: SpoolRecord[]): Buffer {
  return Buffer.concat(records.map((r) => (r.kind === KIND_EVENT ? encodeEvent(r.seq, r.event) : encodePoints(r.seq, r.points))))
}

export const bearer = (key: string | undefined): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {})

export const SPOOL = { 'content-type': 'application/vnd.tally.spool' }

/** A minimal SSE reader over fetch: `next(event)` resolves with the data of the next such event. */
export async function sse(url: string, key: string | undefined, headers: Record<string, string> = {}) {
  const controller = new AbortController()
  const res = await fetch(url, { headers: { ...bearer(key), ...headers }, signal: controller.signal })
  if (!res.headers.get('content-type')?.startsWith('text/event-stream'))
    throw new Error(`${url} answered ${res.status}, not an event stream`)
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  const queue: { event: string; data: unknown }[] = []
  return {
    async next(event: string): Promise<unknown> {
      const deadline = Date.now() + 5000
      for (;;) {
        const i = queue.findIndex((e) => e.event === event)
        if (i >= 0) return queue.splice(i, 1)[0]?.data
        if (Date.now() > deadline) throw new Error(`no ${event} event within 5 s`)
        const { value, done } = await reader.read()
        if (done) throw new Error('stream ended')
        buffer += decoder.decode(value, { stream: true })
        let end = buffer.indexOf('\n\n')
        while (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const name = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (name && data) queue.push({ event: name, data: JSON.parse(data) })
          end = buffer.indexOf('\n\n')
        }
      }
    },
    close: () => controller.abort(),
  }
}
