import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rowsRecord, runRecord } from '../store/test-records.js'
import { bearer, keysFor, type TestApp, testApp } from './test-app.js'

let t: TestApp
let viewer: string
let otherViewer: string

beforeAll(async () => {
  t = await testApp()
  viewer = (await keysFor(t.store, 'A')).viewer
  otherViewer = (await keysFor(t.store, 'B')).viewer
  const rows: [number, Record<string, number>][] = Array.from({ length: 100 }, (_, s) => [s, { loss: 100 - s, acc: s / 100 }])
  await t.store.ingest('w1', [runRecord(1, { id: 'r1' }, { id: 'w1' }), rowsRecord(2, rows)], { workspace: 'A' })
  await t.store.ingest('w2', [runRecord(1, { id: 'r2' }, { id: 'w2' }), rowsRecord(2, rows.slice(0, 10))], { workspace: 'A' })
  await t.store.ingest('w3', [runRecord(1, { id: 'secret' }, { id: 'w3' }), rowsRecord(2, rows)], { workspace: 'B' })
})

afterAll(async () => t.close())

const batch = async (reads: unknown[], key = viewer) => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/series/batch', headers: bearer(key), payload: { reads } })
  return { status: res.statusCode, body: res.json() as { results: Record<string, unknown>[]; error?: { code: string } } }
}
const single = async (id: string, query: string) =>
  (await t.app.inject({ url: `/api/v1/runs/${id}/series?${query}`, headers: bearer(viewer) })).json()

describe('POST /api/v1/series/batch', () => {
  it('answers each read exactly as GET /runs/{id}/series does, in the order asked', async () => {
    const { status, body } = await batch([
      { run: 'r1', key: 'loss', buckets: 8 },
      { run: 'r2', key: 'acc' },
      { run: 'r1', key: 'acc', from: 10, to: 19 },
    ])
    expect(status).toBe(200)
    expect(body.results).toEqual([
      await single('r1', 'key=loss&buckets=8'),
      await single('r2', 'key=acc'),
      await single('r1', 'key=acc&from=10&to=19'),
    ])
    // A cursor from the batch reads on where it left off.
    const since = (body.results[1] as { cursor: string }).cursor
    await t.store.ingest('w2', [rowsRecord(3, [[10, { acc: 0.5 }]])], { workspace: 'A' })
    const next = await batch([{ run: 'r2', key: 'acc', since }])
    expect(next.body.results[0]).toMatchObject({ steps: [10], values: [0.5] })
  })

  it("answers a read it cannot do with that read's error, and the others still", async () => {
    const { status, body } = await batch([
      { run: 'nope', key: 'loss' },
      { run: 'secret', key: 'loss' },
      { run: 'r1', key: 'loss', buckets: 4, since: 'x' },
      { run: 'r1', key: 'loss', from: 99 },
    ])
    expect(status).toBe(200)
    expect(body.results.map((r) => (r.error as { code: string } | undefined)?.code)).toEqual([
      'not_found',
      'not_found', // another workspace's run reads as missing, as GET does
      'invalid_query',
      undefined,
    ])
    expect(body.results[3]).toMatchObject({ steps: [99], values: [1] })
    // The other workspace's key reads its own run and nothing of A's.
    const other = await batch(
      [
        { run: 'secret', key: 'loss', from: 0, to: 0 },
        { run: 'r1', key: 'loss' },
      ],
      otherViewer,
    )
    expect(other.body.results[0]).toMatchObject({ steps: [0] })
    expect(other.body.results[1]).toMatchObject({ error: { code: 'not_found' } })
  })

  it('answers at most 500,000 points a batch: reads past that get payload_too_large alone', async () => {
    const codes = (results: Record<string, unknown>[]) => results.map((r) => (r.error as { code: string } | undefined)?.code ?? 'ok')
    // Buckets asked for count before reading (the series has 100 points): five of 100,000 fill it.
    const full = await batch([
      ...Array.from({ length: 6 }, () => ({ run: 'r1', key: 'loss', buckets: 100_000 })),
      { run: 'r1', key: 'loss', from: 0, to: 9 },
    ])
    expect(full.status).toBe(200)
    expect(codes(full.body.results)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'payload_too_large', 'payload_too_large'])
    expect(String((full.body.results[5]?.error as { message?: string } | undefined)?.message)).toMatch(/batch of its own/)
    // Raw reads count the points they return.
    const raw = await batch([
      { run: 'r1', key: 'loss' },
      ...Array.from({ length: 4 }, () => ({ run: 'r1', key: 'loss', buckets: 100_000 })),
      { run: 'r1', key: 'loss', buckets: 100_000 },
      { run: 'r1', key: 'loss', buckets: 99_900 },
    ])
    expect(codes(raw.body.results)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'payload_too_large', 'ok'])
  })

  it('refuses a malformed batch as a whole, saying what is wrong', async () => {
    for (const reads of [
      [],
      [{ run: 'r1' }],
      [{ run: 'r1', key: 'loss', buckets: 0 }],
      Array.from({ length: 1001 }, () => ({ run: 'r1', key: 'loss' })),
    ]) {
      const { status, body } = await batch(reads)
      expect(status).toBe(400)
      expect(body.error?.code).toBe('invalid_request')
    }
    const none = await t.app.inject({ method: 'POST', url: '/api/v1/series/batch', payload: { reads: [{ run: 'r1', key: 'loss' }] } })
    expect(none.statusCode).toBe(401)
  })
})

describe('POST /api/v1/keys/batch', () => {
  it("answers each run's keys as GET /runs/{id}/keys does, and a missing run with its own error", async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/keys/batch',
      headers: bearer(viewer),
      payload: { runs: ['r1', 'secret', 'r2'] },
    })
    expect(res.statusCode).toBe(200)
    const { results } = res.json() as { results: unknown[] }
    const keysOf = async (id: string) => (await t.app.inject({ url: `/api/v1/runs/${id}/keys`, headers: bearer(viewer) })).json()
    expect(results).toEqual([await keysOf('r1'), { error: expect.objectContaining({ code: 'not_found' }) }, await keysOf('r2')])
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/keys/batch', headers: bearer(viewer), payload: { runs: [] } })
    expect(bad.statusCode).toBe(400)
  })
})
