/** The HTTP API in-process and over a real port: ingest, runs, series, limits, hostile input, local mode, SSE. */
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { rowsRecord, runRecord, seriesRecord, T0 } from '../store/test-records.js'
import { bearer, keysFor, recordBytes, SPOOL, sse, type TestApp, testApp } from './test-app.js'

const open: TestApp[] = []
afterEach(async () => {
  for (const t of open.splice(0)) await t.close()
})

async function fresh(config: Parameters<typeof testApp>[0] = {}) {
  const t = await testApp(config)
  open.push(t)
  const keys = await keysFor(t.store, 'A')
  return { t, keys }
}

async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
}

describe('ingest over HTTP', () => {
  it('stores a batch sent twice once, and answers both with the ack', async () => {
    const { t, keys } = await fresh()
    const body = recordBytes([
      runRecord(1, { id: 'r1' }, { id: 'w1' }),
      rowsRecord(2, [
        [0, { loss: 1, acc: 0.5 }],
        [1, { loss: 0.5 }],
      ]),
    ])
    const send = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/workspaces/A/writers/w1/records', headers: { ...SPOOL, ...bearer(keys.writer) }, body })
    const first = await send()
    const second = await send()
    expect(first.statusCode).toBe(200)
    expect(first.json()).toMatchObject({ writerId: 'w1', ackedSeq: 2, applied: 2, points: 3 })
    expect(second.statusCode).toBe(200)
    expect(second.json()).toMatchObject({ writerId: 'w1', ackedSeq: 2, applied: 0, points: 0 })
    const s = await t.app.inject({ url: '/api/v1/runs/r1/series?key=loss', headers: bearer(keys.viewer) })
    expect(s.json()).toMatchObject({ run: 'r1', key: 'loss', steps: [0, 1], values: [1, 0.5] })
    const state = await t.app.inject({ url: '/api/v1/workspaces/A/writers/w1', headers: bearer(keys.writer) })
    expect(state.json()).toEqual({ writerId: 'w1', runId: 'r1', ackedSeq: 2 })
  })

  it('answers a gap in the sequence with 409 seq_gap and the acknowledged seq', async () => {
    const { t, keys } = await fresh()
    const headers = { ...SPOOL, ...bearer(keys.writer) }
    const url = '/api/v1/workspaces/A/writers/w1/records'
    await t.app.inject({ method: 'POST', url, headers, body: recordBytes([runRecord(1, { id: 'r1' }, { id: 'w1' })]) })
    const gap = await t.app.inject({ method: 'POST', url, headers, body: recordBytes([seriesRecord(3, 'x', [0], [1])]) })
    expect(gap.statusCode).toBe(409)
    expect(gap.json().error).toMatchObject({ code: 'seq_gap', ackedSeq: 1 })
  })

  it('refuses torn or damaged records and stores nothing of the batch', async () => {
    const { t, keys } = await fresh()
    const whole = recordBytes([runRecord(1, { id: 'r1' }, { id: 'w1' }), seriesRecord(2, 'x', [0, 1], [1, 2])])
    const headers = { ...SPOOL, ...bearer(keys.writer) }
    const url = '/api/v1/workspaces/A/writers/w1/records'
    const torn = await t.app.inject({ method: 'POST', url, headers, body: whole.subarray(0, whole.length - 3) })
    expect(torn.statusCode).toBe(400)
    expect(torn.json().error.code).toBe('spool_format')
    const damaged = Buffer.from(whole)
    damaged[damaged.length - 9] = (damaged[damaged.length - 9] ?? 0) ^ 1
    expect((await t.app.inject({ method: 'POST', url, headers, body: damaged })).json().error.code).toBe('spool_format')
    expect(await t.store.writerState('w1')).toBeUndefined()
  })

  it('answers a body over the limit with 413 naming the limit', async () => {
    const { t, keys } = await fresh({ recordsBodyLimit: 4096, jsonBodyLimit: 2048 })
    const big = recordBytes([
      runRecord(1, { id: 'r1' }, { id: 'w1' }),
      seriesRecord(
        2,
        'x',
        Array.from({ length: 1000 }, (_, i) => i),
        new Array(1000).fill(1),
      ),
    ])
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/workspaces/A/writers/w1/records',
      headers: { ...SPOOL, ...bearer(keys.writer) },
      body: big,
    })
    expect(res.statusCode).toBe(413)
    expect(res.json().error.code).toBe('payload_too_large')
    expect(res.json().error.message).toContain('4096')
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/v1/workspaces/A/projects/p/runs',
      headers: { 'content-type': 'application/json', ...bearer(keys.writer) },
      payload: JSON.stringify({ config: { blob: 'x'.repeat(5000) } }),
    })
    expect(json.statusCode).toBe(413)
    expect(json.json().error.message).toContain('2048')
  })
})

describe('runs over HTTP', () => {
  it('creates, resumes by name and id, and refuses what the resume mode forbids', async () => {
    const { t, keys } = await fresh()
    const post = (body: unknown) =>
      t.app.inject({ method: 'POST', url: '/api/v1/workspaces/A/projects/p/runs', headers: bearer(keys.writer), payload: body as object })
    const created = await post({ name: 'exp', config: { lr: 0.1 }, tags: ['a'] })
    expect(created.statusCode).toBe(201)
    const { run, writerId, nextSeq } = created.json()
    expect(run).toMatchObject({ name: 'exp', project: 'p', workspace: 'A', status: 'running', config: { lr: 0.1 }, tags: ['a'] })
    expect(nextSeq).toBe(2)
    // Log through the writer the route made, then resume.
    const log = await t.app.inject({
      method: 'POST',
      url: `/api/v1/workspaces/A/writers/${writerId}/records`,
      headers: { ...SPOOL, ...bearer(keys.writer) },
      body: recordBytes([seriesRecord(2, 'loss', [0, 1, 2], [3, 2, 1])]),
    })
    expect(log.json()).toMatchObject({ ackedSeq: 2, points: 3 })
    const byName = await post({ name: 'exp', resume: 'must' })
    expect(byName.statusCode).toBe(200)
    expect(byName.json()).toMatchObject({ run: { id: run.id }, nextStep: 3, resumed: true })
    expect((await post({ id: run.id, resume: 'allow' })).json().run.id).toBe(run.id)
    // Given values replace, and null or [] clear, a resumed run's fields; absent ones stay.
    const cleared = await post({ id: run.id, resume: 'allow', tags: [], description: null, group: 'g2' })
    expect(cleared.json().run).toMatchObject({ tags: [], description: null, group: 'g2', config: { lr: 0.1 } })
    expect((await post({ id: run.id })).json().error.code).toBe('run_exists')
    expect((await post({ name: 'nope', resume: 'must' })).json().error.code).toBe('run_not_found')
    expect((await post({ id: 'fresh-id', resume: 'allow' })).statusCode).toBe(201)
    expect((await post({ resume: 'must' })).json().error.code).toBe('invalid_resume')
  })

  it('updates and deletes runs, and lists with filters', async () => {
    const { t, keys } = await fresh()
    await t.store.ingest('w1', [runRecord(1, { id: 'r1', config: { lr: 0.1 } }, { id: 'w1' })], { workspace: 'A' })
    await t.store.ingest('w2', [runRecord(1, { id: 'r2', config: { lr: 0.01 } }, { id: 'w2' })], { workspace: 'A' })
    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/runs/r1',
      headers: bearer(keys.writer),
      payload: { name: 'renamed', tags: ['best'], status: 'failed' },
    })
    expect(patched.json()).toMatchObject({ id: 'r1', name: 'renamed', tags: ['best'], status: 'failed' })
    const list = await t.app.inject({
      url: '/api/v1/workspaces/A/projects/p/runs?where=config.lr%20%3E%200.05',
      headers: bearer(keys.viewer),
    })
    expect(list.json().runs.map((r: { id: string }) => r.id)).toEqual(['r1'])
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/runs/r2', headers: bearer(keys.owner) })).statusCode).toBe(204)
    expect((await t.app.inject({ url: '/api/v1/runs/r2', headers: bearer(keys.viewer) })).statusCode).toBe(404)
    // A deleted run's id is not handed out again.
    const reuse = await t.app.inject({
      method: 'POST',
      url: '/api/v1/workspaces/A/projects/p/runs',
      headers: { 'content-type': 'application/json', ...bearer(keys.writer) },
      payload: JSON.stringify({ id: 'r2', resume: 'allow' }),
    })
    expect([reuse.statusCode, reuse.json().error.code]).toEqual([409, 'run_exists'])
  })

  it("serves series in the CLI's JSON shapes, NaN and infinities as strings", async () => {
    const { t, keys } = await fresh()
    await t.store.ingest(
      'w1',
      [runRecord(1, { id: 'r1' }, { id: 'w1' }), seriesRecord(2, 'm/x', [0, 1, 2, 3], [1, Number.NaN, Number.POSITIVE_INFINITY, -1])],
      {
        workspace: 'A',
      },
    )
    const raw = (await t.app.inject({ url: '/api/v1/runs/r1/series?key=m%2Fx', headers: bearer(keys.viewer) })).json()
    expect(raw).toMatchObject({ run: 'r1', key: 'm/x', steps: [0, 1, 2, 3], values: [1, 'NaN', 'Infinity', -1] })
    const b = (await t.app.inject({ url: '/api/v1/runs/r1/series?key=m%2Fx&buckets=2', headers: bearer(keys.viewer) })).json()
    expect(b).toMatchObject({
      run: 'r1',
      key: 'm/x',
      width: 2,
      // seriesRecord's times are T0 + step.
      buckets: { first: [0, 2], last: [1, 3], min: [1, -1], max: [1, 'Infinity'], time: [T0 + 1, T0 + 3], count: [2, 2] },
    })
    const later = (await t.app.inject({ url: `/api/v1/runs/r1/series?key=m%2Fx&since=${raw.cursor}`, headers: bearer(keys.viewer) })).json()
    expect(later.steps).toEqual([])
    const keysRes = (await t.app.inject({ url: '/api/v1/runs/r1/keys', headers: bearer(keys.viewer) })).json()
    expect(keysRes).toMatchObject([{ key: 'm/x', count: 4 }])
  })
})

describe('hostile input', () => {
  it('answers hundreds of malformed requests with 4xx only, and keeps serving', async () => {
    const { t, keys } = await fresh()
    await t.store.ingest('w1', [runRecord(1, { id: 'r1' }, { id: 'w1' }), seriesRecord(2, 'loss', [0], [1])], { workspace: 'A' })
    const base = await listen(t)
    const auth = bearer(keys.owner)
    const jsonHeaders = { ...auth, 'content-type': 'application/json' }
    const huge = 'x'.repeat(100_000)
    const strings = [
      '',
      ' ',
      '..',
      '../../etc/passwd',
      '%2e%2e%2f',
      'a/b',
      '\u0000',
      '💥'.repeat(300),
      huge,
      'NaN',
      '-1',
      '1e309',
      '<script>',
    ]
    const numbers = ['NaN', '-1', '1.5', '1e309', 'Infinity', '9007199254740993', '', 'abc', '0x10', '[]']
    const bodies: unknown[] = [
      'not json',
      '{"name":',
      '[]',
      'null',
      '42',
      JSON.stringify({ name: huge }),
      JSON.stringify({ name: 123 }),
      JSON.stringify({ tags: 'a' }),
      JSON.stringify({ tags: new Array(51).fill('t') }),
      JSON.stringify({ tags: ['x'.repeat(51)] }),
      JSON.stringify({ description: 'd'.repeat(1001) }),
      JSON.stringify({ config: [] }),
      JSON.stringify({ resume: 'sometimes', name: 'x' }),
      JSON.stringify({ id: '../x' }),
      JSON.stringify({ unknown: 1 }),
      JSON.stringify({ status: 'running' }),
      JSON.stringify({ role: 'god' }),
      '{"__proto__":{"admin":true}}',
    ]
    const requests: [string, string, RequestInit][] = []
    for (const s of strings) {
      const e = encodeURIComponent(s)
      requests.push(['GET', `/api/v1/runs/${e}`, {}])
      requests.push(['GET', `/api/v1/workspaces/${e}/projects`, {}])
      requests.push(['GET', `/api/v1/workspaces/A/projects/${e}/runs?sort=${e}&where=${e}`, {}])
      requests.push(['GET', `/api/v1/runs/r1/series?key=${e}`, {}])
      requests.push(['GET', `/api/v1/runs/r1/series?key=loss&since=${e}`, {}])
      requests.push(['POST', `/api/v1/workspaces/A/writers/${e}/records`, { body: 'garbage', headers: SPOOL }])
    }
    for (const v of numbers) {
      for (const q of ['from', 'to', 'buckets']) requests.push(['GET', `/api/v1/runs/r1/series?key=loss&${q}=${encodeURIComponent(v)}`, {}])
      for (const q of ['limit', 'offset']) requests.push(['GET', `/api/v1/workspaces/A/projects/p/runs?${q}=${encodeURIComponent(v)}`, {}])
    }
    for (const body of bodies) {
      requests.push(['POST', '/api/v1/workspaces/A/projects/p/runs', { body: body as string, headers: jsonHeaders }])
      requests.push(['PATCH', '/api/v1/runs/r1', { body: body as string, headers: jsonHeaders }])
      requests.push(['POST', '/api/v1/workspaces', { body: body as string, headers: jsonHeaders }])
      requests.push(['POST', '/api/v1/workspaces/A/keys', { body: body as string, headers: jsonHeaders }])
    }
    for (const body of [Buffer.alloc(0), Buffer.alloc(7), Buffer.alloc(64, 0xff), recordBytes([seriesRecord(1, 'x', [0], [1])])]) {
      requests.push(['POST', '/api/v1/workspaces/A/writers/wz/records', { body: new Uint8Array(body), headers: SPOOL }])
    }
    requests.push(['POST', '/api/v1/workspaces/A/writers/w1/records', { body: 'x', headers: { 'content-type': 'text/plain' } }])
    requests.push(['POST', '/api/v1/workspaces/A/projects/p/runs', { body: '{}', headers: { 'content-type': 'application/xml' } }])
    requests.push(['PUT', '/api/v1/runs/r1', {}])
    requests.push(['GET', '/api/v2/anything', {}])
    expect(requests.length).toBeGreaterThan(200)
    const bad: string[] = []
    for (const [method, path, init] of requests) {
      const res = await fetch(base + path, { ...init, method, headers: { ...auth, ...(init.headers as Record<string, string>) } })
      const text = await res.text()
      let code: unknown
      try {
        code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code
      } catch {
        code = undefined
      }
      if (res.status < 400 || res.status >= 500 || typeof code !== 'string')
        bad.push(`${method} ${path.slice(0, 80)} → ${res.status} ${text.slice(0, 100)}`)
    }
    expect(bad).toEqual([])
    expect((await fetch(`${base}/api/v1/runs/r1`, { headers: auth })).status).toBe(200)
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    // Auth goes by the route matched, not the URL as written: an encoded path still needs a key.
    const encoded = await fetch(`${base}/%61pi/v1/runs/r1`)
    expect([encoded.status, ((await encoded.json()) as { error: { code: string } }).error.code]).toEqual([401, 'unauthorized'])
    // A HEAD of an event stream is no stream: it must not hang.
    expect((await fetch(`${base}/api/v1/runs/r1/events`, { method: 'HEAD', headers: auth })).status).toBe(404)
  })
})

describe('local mode (tally ui)', () => {
  it('answers only local Host headers and needs the install token for writes', async () => {
    const t = await testApp({ mode: 'local', localToken: 'secret-token-0123456789abcdef0123' })
    open.push(t)
    await t.store.ingest('w1', [runRecord(1, { id: 'r1' }, { id: 'w1' })])
    const get = (host: string) => t.app.inject({ url: '/api/v1/runs/r1', headers: { host } })
    expect((await get('127.0.0.1:4747')).statusCode).toBe(200)
    expect((await get('localhost')).statusCode).toBe(200)
    expect((await get('[::1]:4747')).statusCode).toBe(200)
    const rebound = await get('evil.example.com')
    expect(rebound.statusCode).toBe(403)
    expect(rebound.json().error.code).toBe('forbidden')
    expect((await get('127.0.0.1.evil.example.com')).statusCode).toBe(403)
    const patch = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'PATCH',
        url: '/api/v1/runs/r1',
        headers: { host: '127.0.0.1:4747', ...headers },
        payload: { description: 'x' },
      })
    expect((await patch({})).statusCode).toBe(401)
    expect((await patch({ authorization: 'Bearer wrong' })).statusCode).toBe(401)
    expect((await patch({ authorization: 'Bearer secret-token-0123456789abcdef0123' })).statusCode).toBe(200)
  })
})

describe('health and OpenAPI', () => {
  it('answers /healthz and publishes the schema without a key', async () => {
    const { t } = await fresh()
    expect((await t.app.inject({ url: '/healthz' })).json()).toMatchObject({ ok: true })
    const doc = (await t.app.inject({ url: '/api/v1/openapi.json' })).json()
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.paths['/api/v1/runs/{id}/series'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      'id',
      'key',
      'from',
      'to',
      'buckets',
      'since',
    ])
    expect((await t.app.inject({ url: '/api/v1/runs/x' })).statusCode).toBe(401)
  })
})

describe('server-sent events', () => {
  it('ends the stream of a key revoked while it is open', async () => {
    const { t, keys } = await fresh({ keepAliveMs: 50 })
    await t.store.ingest('w1', [runRecord(1, { id: 'r1' }, { id: 'w1' })], { workspace: 'A' })
    const base = await listen(t)
    const events = await sse(`${base}/api/v1/runs/r1/events`, keys.viewer)
    await events.next('hello')
    const viewer = (await t.store.listKeys('A')).find((k) => k.role === 'viewer')
    await t.store.revokeKey(viewer?.id as string)
    expect(await events.next('error')).toMatchObject({ code: 'unauthorized' })
    events.close()
  })

  it('sends a newly logged point to a run stream and a project stream within a second', async () => {
    const { t, keys } = await fresh()
    await t.store.ingest('w1', [runRecord(1, { id: 'r1' }, { id: 'w1' }), seriesRecord(2, 'loss', [0, 1], [5, 4])], { workspace: 'A' })
    const base = await listen(t)
    const runEvents = await sse(`${base}/api/v1/runs/r1/events`, keys.viewer)
    const projectEvents = await sse(`${base}/api/v1/workspaces/A/projects/p/events`, keys.viewer)
    expect(await runEvents.next('hello')).toEqual({ run: 'r1', keys: ['loss'], console: 0 })
    await projectEvents.next('hello')
    const sent = Date.now()
    await t.store.ingest('w1', [seriesRecord(3, 'loss', [2], [3])], { workspace: 'A' })
    const points = await runEvents.next('points')
    expect(points).toMatchObject({ run: 'r1', key: 'loss', steps: [2], values: [3] })
    expect(await projectEvents.next('points')).toEqual({ run: 'r1', keys: ['loss'] })
    expect(Date.now() - sent).toBeLessThan(1000)
    runEvents.close()
    projectEvents.close()
  })
})
