/**
 * The Trackio facade end to end: the seeds' documented usage, written in TypeScript, logs
 * locally and reads back through the CLI's store exactly; `sync` copies one project to a real
 * `tally serve`; `show` starts a real `tally ui` that answers on its port.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as trackio from '@tally/sdk/trackio'
import { afterEach, describe, expect, it } from 'vitest'
import { encodePng } from '../demo/demo-values.js'
import { ingestSpool } from '../ingest/ingest-spool.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import { type Child, cliJson, freePort, freshDir, startServe, writerKey } from './test-helpers.js'

interface RunJson {
  id: string
  name: string
  status: string
  group: string | null
  config: Record<string, unknown>
  summary: Record<string, unknown>
}
interface SeriesJson {
  steps: number[]
  values: number[]
}

const children: Child[] = []
const dashboards: trackio.Dashboard[] = []
afterEach(async () => {
  await trackio.finish()
  for (const d of dashboards.splice(0)) await d.close()
  for (const c of children.splice(0)) c.proc.kill('SIGKILL')
})

/** The rich values of a run, as the local store has them after ingesting the spool. */
async function valuesOf(dir: string, runId: string, key: string): Promise<unknown[]> {
  const store = openSqliteStore(join(dir, 'tally.db'))
  try {
    await ingestSpool(store, dir)
    return (await store.readValues({ runId, key })).map((v) => ({ step: v.step, kind: v.kind, value: v.value }))
  } finally {
    await store.close()
  }
}

describe("the seeds' usage, locally", () => {
  it('init, log (each call a step), a Table from a DataFrame, finish, then resume="must" and "allow"', async () => {
    const dir = freshDir()
    const first = trackio.init({
      project: 'my_project',
      name: 'my_first_run',
      config: { learning_rate: 0.001, batch_size: 32 },
      dir,
      quiet: true,
      capture: false,
    })
    trackio.log({ loss: 0.05 })
    trackio.log({ loss: 0.04, accuracy: 0.95 })
    trackio.log({
      loss: 0.03,
      texts: new trackio.Table({
        dataframe: { prompt: ['Trackio', 'Logging is'], completion: ['is great!', 'easy and fun!'], reward: [0.123, 0.456] },
      }),
    })
    await trackio.finish()

    const [run] = await cliJson<RunJson[]>(['runs', 'my_project'], dir)
    expect(run).toMatchObject({
      id: first.id,
      name: 'my_first_run',
      status: 'finished',
      config: { learning_rate: 0.001, batch_size: 32 },
      summary: { loss: 0.03, accuracy: 0.95 },
    })
    expect(await cliJson<SeriesJson>(['series', first.id, 'loss'], dir)).toMatchObject({ steps: [0, 1, 2], values: [0.05, 0.04, 0.03] })
    expect(await cliJson<SeriesJson>(['series', first.id, 'accuracy'], dir)).toMatchObject({ steps: [1], values: [0.95] })
    expect(await valuesOf(dir, first.id, 'texts')).toEqual([
      {
        step: 2,
        kind: 'table',
        value: {
          columns: ['prompt', 'completion', 'reward'],
          rows: [
            ['Trackio', 'is great!', 0.123],
            ['Logging is', 'easy and fun!', 0.456],
          ],
        },
      },
    ])

    // "This will load the existing run so you can keep logging data."
    const resumed = trackio.init({ project: 'my_project', name: 'my_first_run', resume: 'must', dir, quiet: true, capture: false })
    expect(resumed.id).toBe(first.id)
    trackio.log({ loss: 0.02 })
    await trackio.finish()
    expect(await cliJson<SeriesJson>(['series', first.id, 'loss'], dir)).toMatchObject({ steps: [0, 1, 2, 3] })

    expect(() => trackio.init({ project: 'my_project', name: 'no-such-run', resume: 'must', dir, quiet: true, capture: false })).toThrow(
      expect.objectContaining({ code: 'run_not_found' }),
    )
    const created = trackio.init({ project: 'my_project', name: 'second', resume: 'allow', dir, quiet: true, capture: false })
    expect(created.id).not.toBe(first.id)
    await trackio.finish()
    expect((await cliJson<RunJson[]>(['runs', 'my_project'], dir)).map((r) => r.name).sort()).toEqual(['my_first_run', 'second'])
  })

  it('explicit steps, groups, and the other rich values: Histogram, Image, Markdown', async () => {
    const dir = freshDir()
    const runs = [
      ['lr-1e4', 'learning_rate'],
      ['lr-1e3', 'learning_rate'],
      ['bs-16', 'batch_size'],
    ] as const
    for (const [name, group] of runs) {
      trackio.init({ project: 'sweep', name, group, dir, quiet: true, capture: false })
      trackio.log({ train_loss: 0.45, epoch: 2 }, 10)
      await trackio.finish()
    }
    const listed = await cliJson<RunJson[]>(['runs', 'sweep'], dir)
    expect(listed.map((r) => [r.name, r.group]).sort()).toEqual([
      ['bs-16', 'batch_size'],
      ['lr-1e3', 'learning_rate'],
      ['lr-1e4', 'learning_rate'],
    ])
    expect(await cliJson<SeriesJson>(['series', listed[0]?.id as string, 'train_loss'], dir)).toMatchObject({ steps: [10], values: [0.45] })

    const run = trackio.init({ project: 'values', dir, quiet: true, capture: false })
    const png = encodePng(2, 1, (x) => (x === 0 ? [255, 0, 0] : [0, 0, 255]))
    trackio.log({
      weights: new trackio.Histogram({
        npHistogram: [
          [3, 1],
          [0, 0.5, 1],
        ],
      }),
      sample: new trackio.Image(png, { caption: 'red, blue' }),
      notes: new trackio.Markdown('# epoch 1'),
    })
    await trackio.finish()
    expect(await valuesOf(dir, run.id, 'weights')).toEqual([{ step: 0, kind: 'histogram', value: { edges: [0, 0.5, 1], counts: [3, 1] } }])
    expect(await valuesOf(dir, run.id, 'notes')).toEqual([{ step: 0, kind: 'markdown', value: { text: '# epoch 1' } }])
    expect(await valuesOf(dir, run.id, 'sample')).toMatchObject([
      { step: 0, kind: 'image', value: { mime: 'image/png', width: 2, height: 1, caption: 'red, blue' } },
    ])
  })

  it('log before init and init without a project say what to do', () => {
    expect(() => trackio.log({ loss: 1 })).toThrow(expect.objectContaining({ code: 'no_active_run' }))
    expect(() => trackio.init({} as trackio.TrackioInitOptions)).toThrow(/needs a project/)
  })

  it('importCsv logs a CSV of step, timestamp and metric columns as a finished run', async () => {
    const dir = freshDir()
    const csv = join(dir, 'metrics.csv')
    writeFileSync(
      csv,
      'step,timestamp,loss,"val, acc"\n0,2025-01-01T00:00:00Z,0.9,\n1,2025-01-01T00:00:10Z,0.5,0.7\n5,2025-01-01T00:01:00Z,0.1,0.8\n',
    )
    const id = await trackio.importCsv(csv, 'imported', 'from-csv', { dir })
    const [run] = await cliJson<RunJson[]>(['runs', 'imported'], dir)
    expect(run).toMatchObject({ id, name: 'from-csv', status: 'finished' })
    expect(await cliJson<SeriesJson>(['series', id, 'loss'], dir)).toMatchObject({ steps: [0, 1, 5], values: [0.9, 0.5, 0.1] })
    expect(await cliJson<SeriesJson>(['series', id, 'val, acc'], dir)).toMatchObject({ steps: [1, 5], values: [0.7, 0.8] })

    writeFileSync(csv, 'epoch,loss\n0,1\n')
    await expect(trackio.importCsv(csv, 'imported', 'bad', { dir })).rejects.toThrow(/no "step" column/)
    writeFileSync(csv, `step,loss,${'k'.repeat(300)}\n0,1,2\n`)
    await expect(trackio.importCsv(csv, 'imported', 'bad', { dir })).rejects.toThrow(expect.objectContaining({ code: 'invalid_key' }))
    await expect(trackio.importCsv(join(dir, 'missing.csv'), 'imported')).rejects.toThrow(/cannot read .*ENOENT/)
    expect(await cliJson<RunJson[]>(['runs', 'imported'], dir)).toHaveLength(1)
  })
})

describe('sync', () => {
  it("copies one local project's runs to a real tally serve, and only that project", async () => {
    const local = freshDir()
    const serverDir = freshDir()
    for (const project of ['my-project', 'my-project', 'other']) {
      trackio.init({ project, dir: local, quiet: true, capture: false })
      for (let step = 0; step < 3; step++) trackio.log({ loss: 1 / (step + 1) })
      await trackio.finish()
    }
    const mine = (await cliJson<RunJson[]>(['runs', 'my-project'], local)).map((r) => r.id).sort()

    const port = await freePort()
    const serverUrl = `http://127.0.0.1:${port}`
    const apiKey = await writerKey(serverDir)
    const server = startServe(serverDir, port)
    children.push(server)
    await server.waitFor(/listening on/)

    const report = await trackio.sync({ project: 'my-project', serverUrl, apiKey, dir: local })
    expect(report.writers.map((w) => w.runId).sort()).toEqual(mine)
    expect(report.writers.every((w) => w.error === undefined && w.ackedSeq === w.lastSeq)).toBe(true)

    const headers = { authorization: `Bearer ${apiKey}` }
    const listed = (await (await fetch(`${serverUrl}/api/v1/workspaces/default/projects/my-project/runs`, { headers })).json()) as {
      runs: RunJson[]
    }
    expect(listed.runs.map((r) => r.id).sort()).toEqual(mine)
    expect(listed.runs.every((r) => r.status === 'finished')).toBe(true)
    const series = (await (await fetch(`${serverUrl}/api/v1/runs/${mine[0]}/series?key=loss`, { headers })).json()) as SeriesJson
    expect(series).toMatchObject({ steps: [0, 1, 2], values: [1, 0.5, 1 / 3] })
    const other = (await (await fetch(`${serverUrl}/api/v1/workspaces/default/projects/other/runs`, { headers })).json()) as {
      runs: RunJson[]
    }
    expect(other.runs).toEqual([])

    // Again: nothing new to store.
    const again = await trackio.sync({ project: 'my-project', serverUrl, apiKey, dir: local })
    expect(again.writers.reduce((n, w) => n + w.records, 0)).toBe(0)
  })
})

describe('show', () => {
  it('starts tally ui on its port with the project preselected, and reuses a running one', async () => {
    const dir = freshDir()
    trackio.init({ project: 'my-project', name: 'shown', dir, quiet: true, capture: false })
    trackio.log({ loss: 0.5 })
    await trackio.finish()

    const port = await freePort()
    const dashboard = await trackio.show({ project: 'my-project', port, dir, open: false })
    dashboards.push(dashboard)
    expect(dashboard.url).toBe(`http://127.0.0.1:${port}/?project=my-project`)
    expect(dashboard.process?.pid).toBeGreaterThan(0)
    const page = await fetch(dashboard.url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    const runs = (await (await fetch(`http://127.0.0.1:${port}/api/v1/workspaces/default/projects/my-project/runs`)).json()) as {
      runs: RunJson[]
    }
    expect(runs.runs.map((r) => r.name)).toEqual(['shown'])

    const again = await trackio.show({ project: 'my-project', port, dir, open: false })
    expect(again.process).toBeUndefined()
    expect(again.url).toBe(dashboard.url)

    await dashboard.close()
    expect(dashboard.process?.exitCode ?? dashboard.process?.signalCode).not.toBeNull()
    await expect(fetch(dashboard.url)).rejects.toThrow()
  })
})
