/**
 * The authorization matrix: every route × owner / writer / viewer / no key / another
 * workspace's owner key, over a real port. The route list is checked against the OpenAPI
 * document, so a new route without a row here fails the test.
 */
import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Image } from '@tally/sdk'
import type { SpoolRecord } from '@tally/sdk/spool'
import { type ArtifactEntry, type ArtifactEvent, manifestDigest } from '@tally/sdk/spool'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FsBlobStore } from '../blobs/fs-blob-store.js'
import type { ApiKeyRole } from '../store/store.js'
import { eventRecord, rowsRecord, runRecord } from '../store/test-records.js'
import { bearer, keysFor, recordBytes, SPOOL, type TestApp, testApp } from './test-app.js'

/** `public`: answers everyone (the session routes check the key in the body, or clear a cookie). */
type Need = ApiKeyRole | 'admin' | 'any' | 'public'

interface Route {
  method: string
  path: string
  need: Need
  /** Builds the request; may create what the request consumes (a run to delete, a key to revoke). */
  make: () => Promise<{ url: string; body?: string | Uint8Array; headers?: Record<string, string> }>
}

let t: TestApp
const BLOB = Buffer.from('model bytes')
const BLOB_SHA = createHash('sha256').update(BLOB).digest('hex')
let base: string
let keys: Record<ApiKeyRole, string>
let other: Record<ApiKeyRole, string>
let admin: string
let n = 0

const json = (v: unknown) => ({ body: JSON.stringify(v), headers: { 'content-type': 'application/json' } })

beforeAll(async () => {
  t = await testApp()
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  keys = await keysFor(t.store, 'A')
  other = await keysFor(t.store, 'B')
  admin = (await keysFor(t.store, 'default')).owner
  const png = new Image(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  const grid: SpoolRecord = eventRecord(3, {
    ...{ type: 'value', at: 0, step: 0, key: 'grid', kind: 'image' },
    ...{ value: png.payload(), data: png.bytes.toString('base64') },
  })
  await t.store.ingest('w1', [runRecord(1, { id: 'r1' }, { id: 'w1' }), rowsRecord(2, [[0, { loss: 1 }]]), grid], { workspace: 'A' })
  const entries: ArtifactEntry[] = [{ kind: 'file', path: 'model.bin', size: BLOB.length, sha256: BLOB_SHA }]
  const artifact: ArtifactEvent = {
    ...{ type: 'artifact', at: Date.now(), name: 'm', artifactType: 'model', description: null, metadata: {}, aliases: [] },
    ...{ digest: manifestDigest('model', entries), entries },
  }
  await t.store.ingest('w1', [eventRecord(4, artifact)], { workspace: 'A' })
  await new FsBlobStore(join(t.dir, 'blobs')).put('A', BLOB_SHA, 0, BLOB.length, BLOB)
})

afterAll(async () => t.close())

async function sacrificialRun(): Promise<string> {
  const id = `del${++n}`
  await t.store.ingest(`wd${n}`, [runRecord(1, { id }, { id: `wd${n}` })], { workspace: 'A' })
  return id
}

const ROUTES: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/workspaces/{workspace}/projects/{project}/artifacts',
    need: 'viewer',
    make: async () => ({ url: '/api/v1/workspaces/A/projects/p/artifacts' }),
  },
  {
    method: 'GET',
    path: '/api/v1/workspaces/{workspace}/projects/{project}/artifacts/{name}',
    need: 'viewer',
    make: async () => ({ url: '/api/v1/workspaces/A/projects/p/artifacts/m' }),
  },
  {
    method: 'GET',
    path: '/api/v1/workspaces/{workspace}/projects/{project}/artifacts/{name}/{version}',
    need: 'viewer',
    make: async () => ({ url: '/api/v1/workspaces/A/projects/p/artifacts/m/latest' }),
  },
  {
    method: 'GET',
    path: '/api/v1/workspaces/{workspace}/projects/{project}/artifacts/{name}/{version}/files/{path}',
    need: 'viewer',
    make: async () => ({ url: '/api/v1/workspaces/A/projects/p/artifacts/m/v0/files/model.bin' }),
  },
  { method: 'GET', path: '/api/v1/runs/{id}/artifacts', need: 'viewer', make: async () => ({ url: '/api/v1/runs/r1/artifacts' }) },
  {
    method: 'GET',
    path: '/api/v1/workspaces/{workspace}/blobs/{sha256}',
    need: 'writer',
    make: async () => ({ url: `/api/v1/workspaces/A/blobs/${BLOB_SHA}` }),
  },
  {
    method: 'PUT',
    path: '/api/v1/workspaces/{workspace}/blobs/{sha256}',
    need: 'writer',
    make: async () => ({
      url: `/api/v1/workspaces/A/blobs/${BLOB_SHA}`,
      body: BLOB,
      headers: { 'content-type': 'application/octet-stream' },
    }),
  },
  { method: 'GET', path: '/api/v1/session', need: 'any', make: async () => ({ url: '/api/v1/session' }) },
  {
    method: 'POST',
    path: '/api/v1/session',
    need: 'public',
    make: async () => ({ url: '/api/v1/session', ...json({ key: keys.viewer }) }),
  },
  { method: 'DELETE', path: '/api/v1/session', need: 'public', make: async () => ({ url: '/api/v1/session' }) },
  { method: 'GET', path: '/api/v1/workspaces', need: 'any', make: async () => ({ url: '/api/v1/workspaces' }) },
  {
    method: 'POST',
    path: '/api/v1/workspaces',
    need: 'admin',
    make: async () => ({ url: '/api/v1/workspaces', ...json({ name: `ws${++n}` }) }),
  },
  {
    method: 'GET',
    path: '/api/v1/workspaces/{workspace}/projects',
    need: 'viewer',
    make: async () => ({ url: '/api/v1/workspaces/A/projects' }),
  },
  { method: 'GET', path: '/api/v1/workspaces/{workspace}/keys', need: 'owner', make: async () => ({ url: '/api/v1/workspaces/A/keys' }) },
  {
    method: 'POST',
    path: '/api/v1/workspaces/{workspace}/keys',
    need: 'owner',
    make: async () => ({ url: '/api/v1/workspaces/A/keys', ...json({ role: 'viewer' }) }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/workspaces/{workspace}/keys/{id}',
    need: 'owner',
    make: async () => {
      const { info } = await (await import('./auth.js')).issueKey(t.store, 'A', 'viewer')
      return { url: `/api/v1/workspaces/A/keys/${info.id}` }
    },
  },
  {
    method: 'GET',
    path: '/api/v1/workspaces/{workspace}/projects/{project}/runs',
    need: 'viewer',
    make: async () => ({ url: '/api/v1/workspaces/A/projects/p/runs' }),
  },
  {
    method: 'POST',
    path: '/api/v1/workspaces/{workspace}/projects/{project}/runs',
    need: 'writer',
    make: async () => ({ url: '/api/v1/workspaces/A/projects/p/runs', ...json({ name: 'made' }) }),
  },
  { method: 'GET', path: '/api/v1/runs/{id}', need: 'viewer', make: async () => ({ url: '/api/v1/runs/r1' }) },
  {
    method: 'PATCH',
    path: '/api/v1/runs/{id}',
    need: 'writer',
    make: async () => ({ url: '/api/v1/runs/r1', ...json({ description: 'd' }) }),
  },
  { method: 'DELETE', path: '/api/v1/runs/{id}', need: 'owner', make: async () => ({ url: `/api/v1/runs/${await sacrificialRun()}` }) },
  { method: 'GET', path: '/api/v1/runs/{id}/keys', need: 'viewer', make: async () => ({ url: '/api/v1/runs/r1/keys' }) },
  { method: 'GET', path: '/api/v1/runs/{id}/console', need: 'viewer', make: async () => ({ url: '/api/v1/runs/r1/console' }) },
  { method: 'GET', path: '/api/v1/runs/{id}/values', need: 'viewer', make: async () => ({ url: '/api/v1/runs/r1/values' }) },
  { method: 'GET', path: '/api/v1/runs/{id}/value-keys', need: 'viewer', make: async () => ({ url: '/api/v1/runs/r1/value-keys' }) },
  {
    method: 'GET',
    path: '/api/v1/runs/{id}/values/{key}/{step}/image',
    need: 'viewer',
    make: async () => ({ url: '/api/v1/runs/r1/values/grid/0/image' }),
  },
  { method: 'GET', path: '/api/v1/runs/{id}/metadata', need: 'viewer', make: async () => ({ url: '/api/v1/runs/r1/metadata' }) },
  { method: 'GET', path: '/api/v1/runs/{id}/series', need: 'viewer', make: async () => ({ url: '/api/v1/runs/r1/series?key=loss' }) },
  { method: 'GET', path: '/api/v1/runs/{id}/events', need: 'viewer', make: async () => ({ url: '/api/v1/runs/r1/events' }) },
  {
    method: 'POST',
    path: '/api/v1/series/batch',
    // Any key may ask; each read is authorized on its own (routes-batch.test.ts).
    need: 'any',
    make: async () => ({ url: '/api/v1/series/batch', ...json({ reads: [{ run: 'r1', key: 'loss' }] }) }),
  },
  {
    method: 'POST',
    path: '/api/v1/keys/batch',
    need: 'any',
    make: async () => ({ url: '/api/v1/keys/batch', ...json({ runs: ['r1'] }) }),
  },
  {
    method: 'GET',
    path: '/api/v1/workspaces/{workspace}/projects/{project}/events',
    need: 'viewer',
    make: async () => ({ url: '/api/v1/workspaces/A/projects/p/events' }),
  },
  {
    method: 'GET',
    path: '/api/v1/workspaces/{workspace}/writers/{writerId}',
    need: 'writer',
    make: async () => ({ url: '/api/v1/workspaces/A/writers/w1' }),
  },
  {
    method: 'POST',
    path: '/api/v1/workspaces/{workspace}/writers/{writerId}/records',
    need: 'writer',
    make: async () => ({
      url: '/api/v1/workspaces/A/writers/w1/records',
      body: new Uint8Array(recordBytes([runRecord(1, { id: 'r1' }, { id: 'w1' })])),
      headers: SPOOL,
    }),
  },
]

const RANK: Record<ApiKeyRole, number> = { viewer: 0, writer: 1, owner: 2 }

function expected(need: Need, who: string): number | 'ok' {
  if (need === 'public') return 'ok'
  if (who === 'none') return 401
  if (need === 'any') return 'ok'
  if (need === 'admin') return who === 'admin' ? 'ok' : 403
  if (who === 'other') return 404
  if (who === 'admin') return 404
  return RANK[who as ApiKeyRole] >= RANK[need] ? 'ok' : 403
}

async function call(route: Route, key: string | undefined): Promise<number> {
  const req = await route.make()
  const controller = new AbortController()
  const res = await fetch(base + req.url, {
    method: route.method,
    headers: { ...bearer(key), ...req.headers },
    ...(req.body !== undefined && { body: req.body }),
    signal: controller.signal,
  })
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) controller.abort()
  else await res.arrayBuffer()
  return res.status
}

describe('authorization', () => {
  it('covers every route of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> }
    const published = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
    expect(published.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort())
  })

  it('gives each role what it may do, 401 without a key and 404 to another workspace', async () => {
    const principals: [string, string | undefined][] = [
      ['owner', keys.owner],
      ['writer', keys.writer],
      ['viewer', keys.viewer],
      ['none', undefined],
      ['other', other.owner],
      ['admin', admin],
    ]
    const wrong: string[] = []
    for (const route of ROUTES) {
      for (const [who, key] of principals) {
        const status = await call(route, key)
        const want = expected(route.need, who)
        const ok = want === 'ok' ? status >= 200 && status < 300 : status === want
        if (!ok) wrong.push(`${route.method} ${route.path} as ${who}: ${status}, expected ${want}`)
      }
    }
    expect(wrong).toEqual([])
  })

  it("accepts Tora's x-api-key header and refuses revoked and malformed keys", async () => {
    expect((await fetch(`${base}/api/v1/runs/r1`, { headers: { 'x-api-key': keys.viewer } })).status).toBe(200)
    const { info, key } = await (await import('./auth.js')).issueKey(t.store, 'A', 'viewer')
    expect((await fetch(`${base}/api/v1/runs/r1`, { headers: bearer(key) })).status).toBe(200)
    await t.store.revokeKey(info.id)
    const revoked = await fetch(`${base}/api/v1/runs/r1`, { headers: bearer(key) })
    expect(revoked.status).toBe(401)
    expect(((await revoked.json()) as { error: { code: string } }).error.code).toBe('unauthorized')
    for (const bad of ['tally_sk_nope', 'x'.repeat(5000), 'Bearer', '']) {
      expect((await fetch(`${base}/api/v1/runs/r1`, { headers: { authorization: `Bearer ${bad}` } })).status).toBe(401)
    }
  })

  it("lists only the key's own workspace", async () => {
    const res = await fetch(`${base}/api/v1/workspaces`, { headers: bearer(other.viewer) })
    expect(((await res.json()) as { name: string }[]).map((w) => w.name)).toEqual(['B'])
  })
})
