/**
 * The Tora facade end to end: the seed's documented usage, written in TypeScript, logs
 * locally and reads back through the CLI's store exactly; in remote mode it logs to a real
 * server on a real port with the key from TORA_API_KEY, and creates a workspace there.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as tora from '@tally/sdk/tora'
import { Tora } from '@tally/sdk/tora'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from '../app/app.js'
import { keysFor } from '../app/test-app.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import type { Store } from '../store/store.js'
import { cliJson, freshDir, REPO, startNode } from './test-helpers.js'

interface RunJson {
  id: string
  name: string
  status: string
  description: string | null
  tags: string[]
  config: Record<string, unknown>
  summary: Record<string, unknown>
}
interface SeriesJson {
  steps: number[]
  values: number[]
}

const servers: { app: FastifyInstance; store: Store }[] = []
const saved = { TORA_API_KEY: process.env.TORA_API_KEY, TALLY_DIR: process.env.TALLY_DIR }
afterEach(async () => {
  await tora.shutdown()
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  for (const s of servers.splice(0)) {
    await s.app.close()
    await s.store.close()
  }
})

async function serve(dir: string): Promise<{ url: string; store: Store }> {
  const store = openSqliteStore(join(dir, 'server.db'))
  const app = await createApp({ store, config: { mode: 'team' } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  servers.push({ app, store })
  return { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, store }
}

async function get<T>(url: string, key: string, path: string): Promise<T> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } })
  expect(res.status).toBe(200)
  return (await res.json()) as T
}

describe("the seed's usage, locally", () => {
  it('global functions: setup, tlog, tresult, flush, shutdown, and the getters', async () => {
    const dir = freshDir()
    process.env.TALLY_DIR = dir
    const id = tora.setup('mnist-baseline', {
      description: 'first try',
      hyperparams: { lr: 0.001, optimizer: 'adam' },
      tags: ['baseline', 'cnn'],
      quiet: true,
    })
    expect(tora.isInitialized()).toBe(true)
    expect(tora.getExperimentId()).toBe(id)
    expect(tora.getExperimentUrl()).toContain(id)
    for (let step = 0; step < 10; step++) tora.tlog('loss', 1 / (step + 1), step)
    tora.tlog('acc', 0.5, 9, { split: 'val' })
    tora.tresult('test_acc', 0.97)
    await tora.flush()
    await tora.shutdown()
    expect(tora.isInitialized()).toBe(false)

    const [run] = await cliJson<RunJson[]>(['runs', 'default'], dir)
    expect(run).toMatchObject({
      id,
      name: 'mnist-baseline',
      status: 'finished',
      description: 'first try',
      tags: ['baseline', 'cnn'],
      config: { lr: 0.001, optimizer: 'adam' },
    })
    expect(run?.summary).toMatchObject({ loss: 0.1, acc: 0.5, test_acc: 0.97 })
    const loss = await cliJson<SeriesJson>(['series', id, 'loss'], dir)
    expect(loss.steps).toEqual(Array.from({ length: 10 }, (_, i) => i))
    expect(loss.values).toEqual(Array.from({ length: 10 }, (_, i) => 1 / (i + 1)))
  })

  it('the class as a context manager: await using flushes and closes', async () => {
    const dir = freshDir()
    let id = ''
    {
      await using client = Tora.createExperiment('name', { dir, quiet: true })
      id = client.experimentId
      client.log('metric', 1.0)
      client.logMetrics({ a: 1, b: 2 }, 5)
      client.result('final', 42)
    }
    const [run] = await cliJson<RunJson[]>(['runs', 'default'], dir)
    expect(run).toMatchObject({
      id,
      name: 'name',
      status: 'finished',
      summary: expect.objectContaining({ metric: 1, a: 1, b: 2, final: 42 }),
    })
    expect(await cliJson<SeriesJson>(['series', id, 'metric'], dir)).toMatchObject({ steps: [0], values: [1] })
    expect(await cliJson<SeriesJson>(['series', id, 'b'], dir)).toMatchObject({ steps: [5], values: [2] })
  })

  it('a script that ends without shutdown keeps what its buffer held', async () => {
    const dir = freshDir()
    const path = join(dir, 'no-shutdown.mjs')
    const sdk = join(REPO, 'packages/sdk/dist/tora/index.js')
    writeFileSync(
      path,
      `import { Tora } from ${JSON.stringify(sdk)}\nconst c = Tora.createExperiment('forgetful', { quiet: true })\nfor (let s = 0; s < 3; s++) c.log('loss', s, s)\nconsole.log(c.experimentId, c.bufferSize)\n`,
    )
    const child = startNode(path, { TALLY_DIR: dir })
    const line = await child.waitFor(/^\w+ \d+$/)
    expect((await child.exited).code).toBe(0)
    const [id, held] = line.split(' ')
    expect(held).toBe('3')
    expect(await cliJson<SeriesJson>(['series', id as string, 'loss'], dir)).toMatchObject({ steps: [0, 1, 2], values: [0, 1, 2] })
  })
})

describe('remote mode', () => {
  it('logs to a team server with the key from TORA_API_KEY, metadata included', async () => {
    const home = freshDir()
    const server = await serve(home)
    const keys = await keysFor(server.store, 'default')
    process.env.TORA_API_KEY = keys.writer
    const client = Tora.createExperiment('remote-exp', {
      serverUrl: server.url,
      dir: join(home, 'client'),
      quiet: true,
      hyperparams: { lr: 0.1 },
    })
    expect(client.url).toBe(`${server.url}/default/default/runs/${client.experimentId}`)
    client.log('loss', 0.5, 0, { note: 'warmup' })
    client.log('loss', 0.25, 1)
    client.result('acc', 0.9)
    await client.shutdown()

    const run = await get<RunJson>(server.url, keys.viewer, `/api/v1/runs/${client.experimentId}`)
    expect(run).toMatchObject({ name: 'remote-exp', status: 'finished', config: { lr: 0.1 } })
    expect(await get<SeriesJson>(server.url, keys.viewer, `/api/v1/runs/${client.experimentId}/series?key=loss`)).toMatchObject({
      steps: [0, 1],
      values: [0.5, 0.25],
    })
    const meta = await get<unknown>(server.url, keys.viewer, `/api/v1/runs/${client.experimentId}/metadata?key=loss`)
    expect(JSON.stringify(meta)).toContain('"note":"warmup"')
  })

  it('createWorkspace with the administrator key, then an experiment in it', async () => {
    const home = freshDir()
    const server = await serve(home)
    const admin = await keysFor(server.store, 'default')
    process.env.TORA_API_KEY = admin.owner
    const ws = await tora.createWorkspace('vision-team', { serverUrl: server.url })
    expect(ws).toEqual({ id: 'vision-team', name: 'vision-team', description: null })
    await expect(tora.createWorkspace('vision-team', { serverUrl: server.url })).rejects.toMatchObject({ code: 'already_exists' })
    await expect(tora.createWorkspace('other', { serverUrl: server.url, apiKey: admin.writer })).rejects.toMatchObject({
      code: 'forbidden',
    })

    const team = await keysFor(server.store, ws.id)
    const id = tora.setup('in-team', {
      workspaceId: ws.id,
      serverUrl: server.url,
      apiKey: team.writer,
      dir: join(home, 'client'),
      quiet: true,
    })
    tora.tlog('loss', 1, 0)
    await tora.shutdown()
    const run = await get<{ workspace: string; name: string }>(server.url, team.viewer, `/api/v1/runs/${id}`)
    expect(run).toMatchObject({ workspace: 'vision-team', name: 'in-team' })
  })
})
