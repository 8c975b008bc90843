import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as tally from './index.js'
import { KIND_EVENT, KIND_POINTS, type ValueEvent } from './spool/format.js'
import { listSpool, readSpoolFile } from './spool/reader.js'

const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
])

const open: tally.Run[] = []
afterEach(async () => {
  for (const r of open.splice(0)) await r.finish()
})

function start(): { run: tally.Run; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tally-values-'))
  const run = tally.init({ project: 'p', dir, capture: false })
  open.push(run)
  return { run, dir }
}

function spooled(dir: string, runId: string): { values: ValueEvent[]; pointKeys: string[]; rows: number } {
  const values: ValueEvent[] = []
  const pointKeys: string[] = []
  let rows = 0
  for (const run of listSpool(join(dir, 'spool'))) {
    if (run.runId !== runId) continue
    for (const f of run.files) {
      for (const r of readSpoolFile(f.path).records) {
        if (r.kind === KIND_EVENT && r.event.type === 'value') values.push(r.event)
        if (r.kind === KIND_POINTS) {
          pointKeys.push(...r.points.keys)
          rows += r.points.steps.length
        }
      }
    }
  }
  return { values, pointKeys, rows }
}

describe('log with rich values', () => {
  it('sends numbers to series and rich values to value events at the same step', async () => {
    const { run, dir } = start()
    run.log({
      loss: 0.5,
      preds: new tally.Table({ columns: ['x', 'y'], rows: [[1, Number.NaN]] }),
      w: new tally.Histogram({ edges: [0, 1], counts: [2] }),
      pic: new tally.Image(PNG),
      note: new tally.Markdown('**hi**'),
    })
    await run.flush()
    const { values, pointKeys } = spooled(dir, run.id)
    expect(pointKeys).toEqual(['loss'])
    expect(values.map((v) => [v.key, v.kind, v.step])).toEqual([
      ['preds', 'table', 0],
      ['w', 'histogram', 0],
      ['pic', 'image', 0],
      ['note', 'markdown', 0],
    ])
    expect(Object.is((values[0]?.value as { rows: number[][] } | undefined)?.rows[0]?.[1], Number.NaN)).toBe(true)
    expect(Buffer.from(values[2]?.data ?? '', 'base64')).toEqual(PNG)
    expect(values[2]?.value).toMatchObject({ mime: 'image/png', width: 1, height: 1 })
  })

  it('takes a call of only rich values as a step, without an empty row of points', async () => {
    const { run, dir } = start()
    run.log({ note: new tally.Markdown('a') })
    run.log({ note: new tally.Markdown('b') })
    expect(run.step).toBe(2)
    await run.flush()
    const { values, rows } = spooled(dir, run.id)
    expect(rows).toBe(0)
    expect(values.map((v) => v.step)).toEqual([0, 1])
  })

  it('logs nothing of a call with a bad key beside a rich value', async () => {
    const { run, dir } = start()
    expect(() => run.log({ ok: new tally.Markdown('a'), '': 1 })).toThrow(expect.objectContaining({ code: 'invalid_key' }))
    expect(() => run.log({ '': new tally.Markdown('a') })).toThrow(expect.objectContaining({ code: 'invalid_key' }))
    await run.flush()
    expect(spooled(dir, run.id).values).toEqual([])
  })
})
