/**
 * Rich values in the SDK's remote mode against the real app on a real port: a table with
 * NaN, and an image of megabytes (one spool record larger than the sender's usual batch),
 * reach the server and read back as logged.
 */
import { join } from 'node:path'
import { Image, init, Markdown, Table } from '@tally/sdk'
import type { ValueKeyJson, ValuePageJson } from '@tally/sdk/api'
import { afterEach, describe, expect, it } from 'vitest'
import { keysFor, type TestApp, testApp } from '../app/test-app.js'
import { encodePng } from '../demo/demo-values.js'

const open: TestApp[] = []
afterEach(async () => {
  for (const t of open.splice(0)) await t.close()
})

describe('rich values in remote mode', () => {
  it('delivers a table, a note and a 4.5 MB image, readable through the API', async () => {
    const t = await testApp()
    open.push(t)
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    const url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`
    const keys = await keysFor(t.store, 'default')
    // Noise does not compress: a 1,250 × 1,250 RGB PNG of it is about 4.5 MB.
    let s = 1
    const noise = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      return s >>> 24
    }
    const png = encodePng(1250, 1250, () => [noise(), noise(), noise()])
    expect(png.length).toBeGreaterThan(4_000_000)
    expect(png.length).toBeLessThan(5 * 1024 * 1024)

    const run = init({ project: 'p', serverUrl: url, apiKey: keys.writer, dir: join(t.dir, 'client'), quiet: true, capture: false })
    run.log({ loss: 1, preds: new Table({ columns: ['x', 'p'], rows: [['a', Number.NaN]] }), note: new Markdown('**hi**') })
    run.log({ big: new Image(png, { caption: 'noise' }) }, { step: 5 })
    await run.finish()

    const get = async <T>(path: string): Promise<T> =>
      (await (await fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${keys.viewer}` } })).json()) as T
    const valueKeys = await get<ValueKeyJson[]>(`/runs/${run.id}/value-keys`)
    expect(valueKeys.map((k) => [k.key, k.kind, k.steps])).toEqual([
      ['big', 'image', [5]],
      ['note', 'markdown', [0]],
      ['preds', 'table', [0]],
    ])
    const { values } = await get<ValuePageJson>(`/runs/${run.id}/values?key=preds`)
    expect(values[0]?.value).toEqual({ columns: ['x', 'p'], rows: [['a', 'NaN']] })
    const image = await fetch(`${url}/api/v1/runs/${run.id}/values/big/5/image`, { headers: { authorization: `Bearer ${keys.viewer}` } })
    expect(image.headers.get('content-type')).toBe('image/png')
    expect(Buffer.compare(Buffer.from(await image.arrayBuffer()), png)).toBe(0)
  })
})
