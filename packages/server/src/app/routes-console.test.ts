/** GET /runs/{id}/console, fed through the records route as the SDK's remote mode sends it, and the run stream's console events. */
import type { AddressInfo } from 'node:net'
import type { ConsoleLine } from '@tally/sdk/spool'
import { afterEach, describe, expect, it } from 'vitest'
import { eventRecord, runRecord, T0 } from '../store/test-records.js'
import { bearer, keysFor, recordBytes, SPOOL, sse, type TestApp, testApp } from './test-app.js'

const open: TestApp[] = []
afterEach(async () => {
  for (const t of open.splice(0)) await t.close()
})

const line = (stream: 'stdout' | 'stderr', text: string): ConsoleLine => ({ stream, at: T0, text })

async function withLines() {
  const t = await testApp()
  open.push(t)
  const keys = await keysFor(t.store, 'A')
  const send = (records: Parameters<typeof recordBytes>[0]) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/workspaces/A/writers/w1/records',
      headers: { ...SPOOL, ...bearer(keys.writer) },
      body: recordBytes(records),
    })
  const lines = Array.from({ length: 5 }, (_, i) => line(i === 3 ? 'stderr' : 'stdout', `epoch ${i + 1}`))
  const sent = await send([runRecord(1, { id: 'r1' }, { id: 'w1' }), eventRecord(2, { type: 'console', at: T0, lines })])
  expect(sent.statusCode).toBe(200)
  const get = async (query: string) => t.app.inject({ url: `/api/v1/runs/r1/console${query}`, headers: bearer(keys.viewer) })
  return { t, keys, send, get }
}

describe('GET /api/v1/runs/{id}/console', () => {
  it('reads lines forward after a seq, the last ones with tail, and earlier ones with before', async () => {
    const { get } = await withLines()
    const all = (await get('')).json()
    expect(all.next).toBe(5)
    expect(all.lines[3]).toEqual({ seq: 4, stream: 'stderr', at: T0, text: 'epoch 4' })
    const after = (await get('?after=3&limit=1')).json()
    expect(after).toEqual({ lines: [{ seq: 4, stream: 'stderr', at: T0, text: 'epoch 4' }], next: 4 })
    expect((await get('?after=5')).json()).toEqual({ lines: [], next: 5 })
    const tail = (await get('?tail=true&limit=2')).json()
    expect(tail.lines.map((l: { seq: number }) => l.seq)).toEqual([4, 5])
    const earlier = (await get('?before=4&limit=2')).json()
    expect(earlier.lines.map((l: { seq: number }) => l.seq)).toEqual([2, 3])
  })

  it('answers bad after, before, limit or tail with 400 and a message naming the parameter', async () => {
    const { get } = await withLines()
    for (const query of [
      '?after=-1',
      '?after=abc',
      '?limit=0',
      '?limit=10001',
      '?before=1.5',
      '?tail=yes',
      '?tail=true&after=2',
      '?after=1&before=3',
    ]) {
      const res = await get(query)
      expect(res.statusCode, query).toBe(400)
      const { error } = res.json()
      // The schema refuses malformed numbers (invalid_request); the store refuses out-of-range ones (invalid_query).
      expect(['invalid_request', 'invalid_query'], query).toContain(error.code)
      expect(error.message, query).toMatch(/after|before|limit|tail/)
    }
  })

  it('is not_found for an unknown run or one of another workspace', async () => {
    const { t } = await withLines()
    const other = await keysFor(t.store, 'B')
    expect((await t.app.inject({ url: '/api/v1/runs/nope/console', headers: bearer(other.viewer) })).statusCode).toBe(404)
    expect((await t.app.inject({ url: '/api/v1/runs/r1/console', headers: bearer(other.viewer) })).statusCode).toBe(404)
  })

  it('sends new lines on the run stream as console events, only those after the stream began', async () => {
    const { t, keys, send } = await withLines()
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    const events = await sse(`${base}/api/v1/runs/r1/events`, keys.viewer)
    try {
      expect(await events.next('hello')).toMatchObject({ run: 'r1', console: 5 })
      await send([eventRecord(3, { type: 'console', at: T0, lines: [line('stderr', 'Traceback (most recent call last):')] })])
      expect(await events.next('console')).toEqual({
        run: 'r1',
        lines: [{ seq: 6, stream: 'stderr', at: T0, text: 'Traceback (most recent call last):' }],
        next: 6,
      })
    } finally {
      events.close()
    }
  })
})
