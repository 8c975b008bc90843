/** GET /runs/{id}/values, /value-keys and an image's bytes, fed through the records route as the SDK's remote mode sends it. */
import { Histogram, Image, Markdown, Table } from '@tally/sdk'
import type { SpoolRecord, ValueEvent } from '@tally/sdk/spool'
import { afterEach, describe, expect, it } from 'vitest'
import { eventRecord, runRecord, T0 } from '../store/test-records.js'
import { bearer, keysFor, recordBytes, SPOOL, type TestApp, testApp } from './test-app.js'

const open: TestApp[] = []
afterEach(async () => {
  for (const t of open.splice(0)) await t.close()
})

const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0,
])

function valueRecord(seq: number, step: number, key: string, v: Table | Histogram | Image | Markdown): SpoolRecord {
  const event: ValueEvent = { type: 'value', at: T0, step, key, kind: v.kind, value: v.payload() }
  if (v instanceof Image) event.data = v.bytes.toString('base64')
  return eventRecord(seq, event)
}

async function withValues() {
  const t = await testApp()
  open.push(t)
  const keys = await keysFor(t.store, 'A')
  const sent = await t.app.inject({
    method: 'POST',
    url: '/api/v1/workspaces/A/writers/w1/records',
    headers: { ...SPOOL, ...bearer(keys.writer) },
    body: recordBytes([
      runRecord(1, { id: 'r1' }, { id: 'w1' }),
      valueRecord(2, 0, 'eval/preds', new Table({ columns: ['x', 'p'], rows: [['a', Number.NaN]] })),
      valueRecord(3, 0, 'w', new Histogram({ edges: [0, 1], counts: [2] })),
      valueRecord(4, 7, 'w', new Histogram({ edges: [0, 2], counts: [5] })),
      valueRecord(5, 3, 'eval/grid', new Image(PNG)),
      valueRecord(6, 1, 'note', new Markdown('<script>alert(1)</script>')),
    ]),
  })
  expect(sent.statusCode).toBe(200)
  const get = async (url: string) => t.app.inject({ url, headers: bearer(keys.viewer) })
  return { t, keys, get }
}

describe('GET /api/v1/runs/{id}/values', () => {
  it('answers values by key then step, images with a URL to their bytes, non-finite cells as strings', async () => {
    const { get } = await withValues()
    const res = await get('/api/v1/runs/r1/values')
    expect(res.statusCode).toBe(200)
    const { values } = res.json()
    expect(values.map((v: { key: string; step: number }) => `${v.key}@${v.step}`)).toEqual([
      'eval/grid@3',
      'eval/preds@0',
      'note@1',
      'w@0',
      'w@7',
    ])
    expect(values[0]).toEqual({
      key: 'eval/grid',
      step: 3,
      kind: 'image',
      at: T0,
      value: { mime: 'image/png', bytes: PNG.length, width: 2, height: 2, caption: null },
      url: '/api/v1/runs/r1/values/eval%2Fgrid/3/image',
    })
    expect(values[1].value).toEqual({ columns: ['x', 'p'], rows: [['a', 'NaN']] })
    expect(values[2].value).toEqual({ text: '<script>alert(1)</script>' })
    const one = (await get('/api/v1/runs/r1/values?key=w&from=5&to=10')).json()
    expect(one.values.map((v: { step: number; value: unknown }) => [v.step, v.value])).toEqual([[7, { edges: [0, 2], counts: [5] }]])
    expect((await get('/api/v1/runs/r1/values?key=w&limit=1')).json().values).toHaveLength(1)
  })

  it('serves an image with its type and nosniff, and 404 where there is none', async () => {
    const { get } = await withValues()
    const res = await get('/api/v1/runs/r1/values/eval%2Fgrid/3/image')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('image/png')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(Buffer.compare(res.rawPayload, PNG)).toBe(0)
    expect((await get('/api/v1/runs/r1/values/eval%2Fgrid/4/image')).statusCode).toBe(404)
    expect((await get('/api/v1/runs/r1/values/note/1/image')).json().error.code).toBe('not_found')
    expect((await get('/api/v1/runs/r1/values/note/x/image')).statusCode).toBe(400)
  })

  it('lists value keys with kind, count, last step and steps', async () => {
    const { get } = await withValues()
    expect((await get('/api/v1/runs/r1/value-keys')).json()).toEqual([
      { key: 'eval/grid', kind: 'image', count: 1, lastStep: 3, steps: [3] },
      { key: 'eval/preds', kind: 'table', count: 1, lastStep: 0, steps: [0] },
      { key: 'note', kind: 'markdown', count: 1, lastStep: 1, steps: [1] },
      { key: 'w', kind: 'histogram', count: 2, lastStep: 7, steps: [0, 7] },
    ])
  })

  it('answers bad from, to or limit with 400 and a message naming the parameter', async () => {
    const { get } = await withValues()
    for (const query of ['?from=-1', '?to=abc', '?limit=0', '?limit=1001', '?from=5&to=1', '?key=']) {
      const res = await get(`/api/v1/runs/r1/values${query}`)
      expect(res.statusCode, query).toBe(400)
      const { error } = res.json()
      expect(['invalid_request', 'invalid_query'], query).toContain(error.code)
      expect(error.message, query).toMatch(/from|to|limit|key/)
    }
  })

  it('is not_found for an unknown run or one of another workspace', async () => {
    const { t } = await withValues()
    const other = await keysFor(t.store, 'B')
    for (const url of [
      '/api/v1/runs/nope/values',
      '/api/v1/runs/r1/values',
      '/api/v1/runs/r1/value-keys',
      '/api/v1/runs/r1/values/eval%2Fgrid/3/image',
    ]) {
      expect((await t.app.inject({ url, headers: bearer(other.viewer) })).statusCode, url).toBe(404)
    }
  })
})
