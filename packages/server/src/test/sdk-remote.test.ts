/**
 * The SDK's remote mode against the real server app on a real port: the spool is written
 * first and shipped in the background, so an outage, a lost acknowledgement, a restored
 * backup or a wrong key never loses a point nor blocks logging. Scripts that must wait
 * synchronously on the server (remote resume) run as real child processes.
 */
import { copyFileSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { init, syncSpool, type TallyError } from '@tally/sdk'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from '../app/app.js'
import { keysFor } from '../app/test-app.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import type { Store } from '../store/store.js'
import { type Child, cli, freePort, freshDir, script, startNode } from './test-helpers.js'

interface Server {
  url: string
  port: number
  store: Store
  app: FastifyInstance
  close(): Promise<void>
}

const open: Server[] = []
const children: Child[] = []
afterEach(async () => {
  for (const c of children.splice(0)) c.proc.kill('SIGKILL')
  for (const s of open.splice(0)) await s.close()
})

/** The real team app on a SQLite file, listening on 127.0.0.1 (a given port, or any). */
async function serve(dbPath: string, port = 0, recordsBodyLimit?: number): Promise<Server> {
  const store = openSqliteStore(dbPath)
  const app = await createApp({ store, config: { mode: 'team', ...(recordsBodyLimit !== undefined && { recordsBodyLimit }) } })
  await app.listen({ host: '127.0.0.1', port })
  const bound = (app.server.address() as { port: number }).port
  let closed = false
  const server: Server = {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    store,
    app,
    async close() {
      if (closed) return
      closed = true
      await app.close()
      await store.close()
    },
  }
  open.push(server)
  return server
}

async function writerKey(server: Server, role: 'writer' | 'viewer' = 'writer', ws = 'default'): Promise<string> {
  return (await keysFor(server.store, ws))[role]
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    // A pooled connection to a server that was just restarted fails once: probe again.
    const v = await probe().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function getJson<T>(server: Server, key: string, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } })
  return { status: res.status, body: (await res.json()) as T }
}

async function steps(server: Server, key: string, runId: string, metric = 'loss'): Promise<number[]> {
  const { status, body } = await getJson<{ steps: number[] }>(server, key, `/api/v1/runs/${runId}/series?key=${metric}`)
  return status === 200 ? body.steps : []
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

/** Errors told to onError, and the hook itself. */
function errors(): { list: TallyError[]; onError: (e: TallyError) => void } {
  const list: TallyError[] = []
  return { list, onError: (e) => list.push(e) }
}

const writerIdOf = (dir: string, runId: string): string =>
  (readdirSync(join(dir, 'spool', runId)).find((f) => f.endsWith('.tsp')) as string).slice(0, -'.tsp'.length)

describe('remote mode', () => {
  it('logs through an outage: what was logged while the server was down arrives once it is up, with no user action', async () => {
    const home = freshDir()
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const seed = await serve(join(home, 'server.db'))
    const key = await writerKey(seed)
    await seed.close()
    const told = errors()
    const run = init({ project: 'p', serverUrl: url, apiKey: key, dir: join(home, 'client'), quiet: true, onError: told.onError })
    for (let s = 0; s < 300; s++) run.log({ loss: s })
    await run.flush()
    await new Promise((r) => setTimeout(r, 600))
    expect(told.list.map((e) => e.code)).toEqual(['server_unreachable'])
    expect(told.list[0]?.message).toMatch(/ECONNREFUSED.*logging goes on into the spool/)

    const server = await serve(join(home, 'server.db'), port)
    for (let s = 300; s < 400; s++) run.log({ loss: s })
    await run.flush()
    await eventually('the points', async () => ((await steps(server, key, run.id)).length === 400 ? true : undefined))
    await run.finish()
    expect(await steps(server, key, run.id)).toEqual(range(0, 400))
    const stored = await getJson<{ status: string }>(server, key, `/api/v1/runs/${run.id}`)
    expect(stored.body.status).toBe('finished')
  })

  it('keeps a record over the server body limit, and everything after it, until the limit is raised', async () => {
    const home = freshDir()
    const small = await serve(join(home, 'server.db'), 0, 4096)
    const key = await writerKey(small)
    const told = errors()
    // Without capture: the captured environment alone would make the run's first record pass 4 KB.
    const run = init({
      project: 'p',
      serverUrl: small.url,
      apiKey: key,
      dir: join(home, 'client'),
      quiet: true,
      onError: told.onError,
      capture: false,
    })
    const wide: Record<string, number> = {}
    for (let k = 0; k < 500; k++) wide[`m${k}`] = k
    run.log({ loss: 0 })
    await run.flush()
    run.log(wide) // one record of about 6 KB: over the limit on its own
    await run.flush()
    for (let s = 2; s < 10; s++) run.log({ loss: s })
    await run.flush()
    await eventually('the refusal', async () => (told.list.some((e) => e.code === 'payload_too_large') ? true : undefined))
    expect(told.list.find((e) => e.code === 'payload_too_large')?.message).toMatch(/over .* body limit.*--body-limit/)
    expect(await steps(small, key, run.id)).toEqual([0])
    // The limit raised (a restart with the default): the sender, still retrying, delivers the rest.
    const port = small.port
    await small.close()
    const big = await serve(join(home, 'server.db'), port)
    await eventually('the rest', async () => ((await steps(big, key, run.id)).length === 9 ? true : undefined))
    expect(await steps(big, key, run.id, 'm499')).toEqual([1])
    await run.finish()
  })

  it('delivers point metadata with its points, readable per key and step', async () => {
    const home = freshDir()
    const server = await serve(join(home, 'server.db'))
    const key = await writerKey(server)
    const run = init({ project: 'p', serverUrl: server.url, apiKey: key, dir: join(home, 'client'), quiet: true })
    run.log({ loss: 0.5, acc: 0.9 }, { step: 3, metadata: { batch: 'b-17', lr: 0.001 } })
    run.log({ loss: 0.4 }, { step: 4 })
    await run.finish()
    const { body } = await getJson<unknown[]>(server, key, `/api/v1/runs/${run.id}/metadata`)
    expect(body).toEqual([
      { key: 'acc', step: 3, metadata: { batch: 'b-17', lr: 0.001 } },
      { key: 'loss', step: 3, metadata: { batch: 'b-17', lr: 0.001 } },
    ])
  })

  it('delivers console lines and the git state to the server, readable in order', async () => {
    const home = freshDir()
    const server = await serve(join(home, 'server.db'))
    const key = await writerKey(server)
    const run = init({ project: 'p', serverUrl: server.url, apiKey: key, dir: join(home, 'client'), quiet: true })
    run.console('stdout', 'epoch 1/2 loss 0.41\n')
    run.console('stderr', 'warning: clipping\n')
    run.console('stdout', 'epoch 2/2')
    await run.finish()
    const { body } = await getJson<{ lines: { seq: number; stream: string; text: string }[]; next: number }>(
      server,
      key,
      `/api/v1/runs/${run.id}/console`,
    )
    expect(body.lines.map((l) => [l.seq, l.stream, l.text])).toEqual([
      [1, 'stdout', 'epoch 1/2 loss 0.41'],
      [2, 'stderr', 'warning: clipping'],
      [3, 'stdout', 'epoch 2/2'],
    ])
    expect(body.next).toBe(3)
    // The tests run inside Tally's own repository, so the run carries its git state.
    const stored = await getJson<{ system: { git?: { commit: string } } }>(server, key, `/api/v1/runs/${run.id}`)
    expect(stored.body.system.git?.commit).toMatch(/^[0-9a-f]{40}$/)
  })

  it('finish() waits until the server has every record', async () => {
    const home = freshDir()
    const server = await serve(join(home, 'server.db'))
    const key = await writerKey(server)
    const run = init({ project: 'p', serverUrl: server.url, apiKey: key, dir: join(home, 'client'), quiet: true })
    // A tight loop never yields, so nothing is sent before finish().
    for (let s = 0; s < 50_000; s++) run.log({ loss: s, acc: s / 50_000 })
    await run.finish()
    expect(await steps(server, key, run.id)).toEqual(range(0, 50_000))
    const writer = await server.store.writerState(writerIdOf(join(home, 'client'), run.id))
    const sidecar = JSON.parse(readFileSync(join(home, 'client', 'spool', run.id, `${writer?.writerId}.sent.json`), 'utf8'))
    expect(sidecar).toMatchObject({ serverUrl: server.url, workspace: 'default', ackedSeq: writer?.ackedSeq })
    expect(JSON.stringify(sidecar)).not.toContain(key)
  })

  it('recovers from a seq gap when the server was restored from an older backup', async () => {
    const home = freshDir()
    const db = join(home, 'server.db')
    let server = await serve(db)
    const port = server.port
    const key = await writerKey(server)
    const run = init({ project: 'p', serverUrl: server.url, apiKey: key, dir: join(home, 'client'), quiet: true, onError: () => {} })
    const writerId = writerIdOf(join(home, 'client'), run.id)
    const delivered = async (n: number): Promise<void> => {
      await run.flush()
      await eventually(`${n} points`, async () => ((await steps(server, key, run.id)).length === n ? true : undefined))
    }
    for (let s = 0; s < 50; s++) run.log({ loss: s })
    await delivered(50)
    await server.close()
    copyFileSync(db, join(home, 'backup.db'))
    server = await serve(db, port)
    for (let s = 50; s < 100; s++) run.log({ loss: s })
    await delivered(100)
    const acked = (await server.store.writerState(writerId))?.ackedSeq ?? 0
    await server.close()

    // The backup knows less than the sender was told: its next batch leaves a gap.
    server = await serve(join(home, 'backup.db'), port)
    expect((await server.store.writerState(writerId))?.ackedSeq).toBeLessThan(acked)
    for (let s = 100; s < 150; s++) run.log({ loss: s })
    await run.finish()
    expect(await steps(server, key, run.id)).toEqual(range(0, 150))
    expect((await server.store.writerState(writerId))?.ackedSeq).toBeGreaterThan(acked)
  })

  it('resends the whole run to a server restored from a backup older than the run', async () => {
    const home = freshDir()
    const db = join(home, 'server.db')
    let server = await serve(db)
    const port = server.port
    const key = await writerKey(server)
    await server.close()
    copyFileSync(db, join(home, 'backup.db'))
    server = await serve(db, port)
    const run = init({ project: 'p', serverUrl: server.url, apiKey: key, dir: join(home, 'client'), quiet: true, onError: () => {} })
    for (let s = 0; s < 50; s++) run.log({ loss: s })
    await run.flush()
    await eventually('50 points', async () => ((await steps(server, key, run.id)).length === 50 ? true : undefined))
    await server.close()

    server = await serve(join(home, 'backup.db'), port)
    for (let s = 50; s < 80; s++) run.log({ loss: s })
    await run.finish()
    expect(await steps(server, key, run.id)).toEqual(range(0, 80))
  })

  for (const [what, code] of [
    ['a viewer key', 'forbidden'],
    ['an unknown key', 'unauthorized'],
  ] as const) {
    it(`reports ${what} once (${code}), stops sending, and keeps logging into the spool`, async () => {
      const home = freshDir()
      const server = await serve(join(home, 'server.db'))
      const key = what === 'a viewer key' ? await writerKey(server, 'viewer') : 'tally_sk_not_a_real_key_000000000000'
      const told = errors()
      const run = init({ project: 'p', serverUrl: server.url, apiKey: key, dir: join(home, 'client'), quiet: true, onError: told.onError })
      await eventually('the refusal', async () => (told.list.length > 0 ? true : undefined))
      for (let s = 0; s < 100; s++) run.log({ loss: s })
      await run.flush()
      await new Promise((r) => setTimeout(r, 300))
      expect(told.list).toHaveLength(1)
      expect(told.list[0]?.code).toBe(code)
      expect(told.list[0]?.message).toMatch(/TALLY_API_KEY.*tally sync/)
      const started = Date.now()
      await run.finish()
      expect(Date.now() - started).toBeLessThan(2_000)
      expect(told.list).toHaveLength(2)
      expect(told.list[1]?.message).toMatch(/did not reach .* stay in the spool .*tally sync/)
      expect(await server.store.writerState(writerIdOf(join(home, 'client'), run.id))).toBeUndefined()
      // Everything is still in the spool: the CLI reads it locally.
      const local = await cli(['series', run.id, 'loss', '--json'], join(home, 'client'))
      expect(JSON.parse(local.stdout).steps).toEqual(range(0, 100))
    })
  }

  it('gives the run its dashboard address and prints it, unless quiet; TALLY_* variables work as options', async () => {
    const home = freshDir()
    const server = await serve(join(home, 'server.db'))
    const key = await writerKey(server, 'writer', 'ml')
    const body = (options: string): string => `
const run = tally.init({ project: 'vision', id: 'r1', dir: ${JSON.stringify(join(home, 'client'))}, ${options} })
console.log('url ' + run.url)
run.log({ loss: 1 })
await run.finish()
console.log('done')
`
    const loud = startNode(script(home, 'loud.mjs', body('')), {
      TALLY_SERVER_URL: `${server.url}/`,
      TALLY_API_KEY: key,
      TALLY_WORKSPACE: 'ml',
    })
    children.push(loud)
    const expected = `${server.url}/ml/vision/runs/r1`
    expect(await loud.waitFor(/^url /)).toBe(`url ${expected}`)
    await loud.waitFor(/^done$/)
    const exit = await loud.exited
    expect(exit.stderr).toBe(`tally: logging to ${expected}\n`)
    expect(await steps(server, key, 'r1')).toEqual([0])

    const quiet = startNode(
      script(
        home,
        'quiet.mjs',
        body(`id: 'r2', quiet: true, serverUrl: ${JSON.stringify(server.url)}, apiKey: ${JSON.stringify(key)}, workspace: 'ml'`),
      ),
      {},
    )
    children.push(quiet)
    await quiet.waitFor(/^done$/)
    expect((await quiet.exited).stderr).toBe('')
  })

  it('delivers everything, the finished status included, from a script that ends without finish()', async () => {
    const home = freshDir()
    const server = await serve(join(home, 'server.db'))
    const key = await writerKey(server)
    const child = startNode(
      script(
        home,
        'natural-end.mjs',
        `const run = tally.init({ project: 'p', serverUrl: ${JSON.stringify(server.url)}, apiKey: ${JSON.stringify(key)}, dir: ${JSON.stringify(join(home, 'client'))}, quiet: true })
console.log('run', run.id)
for (let s = 0; s < 1000; s++) run.log({ loss: s })`,
      ),
      {},
    )
    children.push(child)
    const runId = (await child.waitFor(/^run /)).split(' ')[1] as string
    expect((await child.exited).code).toBe(0)
    expect(await steps(server, key, runId)).toEqual(range(0, 1000))
    expect((await getJson<{ status: string }>(server, key, `/api/v1/runs/${runId}`)).body.status).toBe('finished')
  })

  it('delivers the last records of a script that ends without finish(), waiting at most finishTimeoutMs', async () => {
    const home = freshDir()
    const url = `http://127.0.0.1:${await freePort()}`
    const child = startNode(
      script(
        home,
        'no-finish.mjs',
        `const run = tally.init({ project: 'p', serverUrl: ${JSON.stringify(url)}, apiKey: 'tally_sk_x', dir: ${JSON.stringify(home)}, quiet: true, finishTimeoutMs: 500 })
for (let s = 0; s < 10; s++) run.log({ loss: s })
console.log('end of script')`,
      ),
      {},
    )
    children.push(child)
    // No server there: the process still ends by itself once the wait is over, saying where the data is.
    const exit = await child.exited
    expect(exit.code).toBe(0)
    expect(exit.stderr).toMatch(/did not reach .* within 0.5 s; they stay in the spool .*tally sync/)
  })
})

describe('remote resume', () => {
  /** A child process that resumes (or fails to) and prints what init gave it. */
  async function resumeIn(
    home: string,
    options: string,
  ): Promise<{ id?: string; step?: number; resumed?: boolean; name?: string; error?: string }> {
    const child = startNode(
      script(
        home,
        `resume-${Math.random().toString(36).slice(2)}.mjs`,
        `try {
  const run = tally.init({ project: 'p', quiet: true, finishTimeoutMs: 10000, ${options} })
  console.log(JSON.stringify({ id: run.id, step: run.step, resumed: run.resumed, name: run.name }))
  run.log({ loss: run.step })
  await run.finish()
} catch (e) {
  console.log(JSON.stringify({ error: e.code + ': ' + e.message }))
}`,
      ),
      {},
    )
    children.push(child)
    const line = await child.waitFor(/^\{/)
    await child.exited
    return JSON.parse(line)
  }

  it('finds a run started on another machine, by id and by name, and continues at its last step + 1', async () => {
    const home = freshDir()
    const server = await serve(join(home, 'server.db'))
    const key = await writerKey(server)
    const target = `serverUrl: ${JSON.stringify(server.url)}, apiKey: ${JSON.stringify(key)}`
    const first = init({ project: 'p', name: 'shared', serverUrl: server.url, apiKey: key, dir: join(home, 'machine-a'), quiet: true })
    for (let s = 0; s < 10; s++) first.log({ loss: s })
    await first.finish()

    const byId = await resumeIn(
      home,
      `${target}, dir: ${JSON.stringify(join(home, 'machine-b'))}, id: ${JSON.stringify(first.id)}, resume: 'must'`,
    )
    expect(byId).toEqual({ id: first.id, step: 10, resumed: true, name: 'shared' })
    const byName = await resumeIn(home, `${target}, dir: ${JSON.stringify(join(home, 'machine-c'))}, name: 'shared', resume: 'allow'`)
    expect(byName).toMatchObject({ id: first.id, step: 11, resumed: true })
    expect(await steps(server, key, first.id)).toEqual(range(0, 12))

    const missing = await resumeIn(home, `${target}, dir: ${JSON.stringify(join(home, 'machine-d'))}, id: 'nope', resume: 'must'`)
    expect(missing.error).toMatch(/^run_not_found: .*nope/)
    const created = await resumeIn(home, `${target}, dir: ${JSON.stringify(join(home, 'machine-d'))}, name: 'brand-new', resume: 'allow'`)
    expect(created).toMatchObject({ step: 0, resumed: false, name: 'brand-new' })
  })

  it('falls back to the local spool when the server is unreachable, and says what to check when that has nothing', async () => {
    const home = freshDir()
    const server = await serve(join(home, 'server.db'))
    const key = await writerKey(server)
    const local = init({ project: 'p', name: 'here', serverUrl: server.url, apiKey: key, dir: join(home, 'machine-a'), quiet: true })
    for (let s = 0; s < 5; s++) local.log({ loss: s })
    await local.finish()
    await server.close()

    const target = `serverUrl: ${JSON.stringify(server.url)}, apiKey: ${JSON.stringify(key)}, finishTimeoutMs: 100, onError: () => {}`
    const fromSpool = await resumeIn(home, `${target}, dir: ${JSON.stringify(join(home, 'machine-a'))}, name: 'here', resume: 'must'`)
    expect(fromSpool).toMatchObject({ id: local.id, step: 5, resumed: true })
    const nowhere = await resumeIn(
      home,
      `${target}, dir: ${JSON.stringify(join(home, 'machine-b'))}, id: ${JSON.stringify(local.id)}, resume: 'allow'`,
    )
    expect(nowhere.error).toMatch(/^server_unreachable: .*ECONNREFUSED.*check that the server is up/)
  })
})

describe('syncSpool and tally sync', () => {
  it('sends a spool written while the server was down, once, and nothing more when run again', async () => {
    const home = freshDir()
    const client = join(home, 'client')
    const port = await freePort()
    const seed = await serve(join(home, 'server.db'))
    const key = await writerKey(seed)
    await seed.close()
    const told = errors()
    const run = init({
      project: 'p',
      serverUrl: `http://127.0.0.1:${port}`,
      apiKey: key,
      dir: client,
      quiet: true,
      finishTimeoutMs: 300,
      onError: told.onError,
    })
    for (let s = 0; s < 1000; s++) run.log({ loss: s, acc: s })
    const started = Date.now()
    await run.finish()
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(told.list.at(-1)?.message).toMatch(/did not reach .* within 0.3 s; they stay in the spool .*tally sync/)

    const server = await serve(join(home, 'server.db'), port)
    const progress: string[] = []
    const report = await syncSpool(client, { apiKey: key, onProgress: (w) => progress.push(w.runId) })
    expect(progress).toEqual([run.id])
    expect(report.skipped).toBe(0)
    expect(report.writers).toHaveLength(1)
    const [w] = report.writers
    expect(w).toMatchObject({ runId: run.id, serverUrl: server.url, workspace: 'default', points: 2000 })
    expect(w?.error).toBeUndefined()
    expect(w?.ackedSeq).toBe(w?.lastSeq)
    expect(w?.records).toBe(w?.lastSeq)
    expect(await steps(server, key, run.id, 'acc')).toEqual(range(0, 1000))

    const again = await syncSpool(client, { apiKey: key })
    expect(again.writers[0]).toMatchObject({ records: 0, points: 0, ackedSeq: w?.lastSeq })
  })

  it('sends local runs only with all, and reports a server that cannot be reached', async () => {
    const home = freshDir()
    const server = await serve(join(home, 'server.db'))
    const key = await writerKey(server)
    const run = init({ project: 'p', dir: home })
    for (let s = 0; s < 20; s++) run.log({ loss: s })
    await run.finish()
    expect(await syncSpool(home, { apiKey: key, serverUrl: server.url })).toEqual({ writers: [], skipped: 1 })

    const dead = `http://127.0.0.1:${await freePort()}`
    const down = await syncSpool(home, { apiKey: key, serverUrl: dead, all: true })
    expect(down.writers[0]?.error?.code).toBe('server_unreachable')

    const report = await syncSpool(home, { apiKey: key, serverUrl: server.url, all: true, workspace: 'default' })
    expect(report.writers[0]).toMatchObject({ runId: run.id, points: 20 })
    expect(await steps(server, key, run.id)).toEqual(range(0, 20))
    // It is now recorded for that server: a plain sync finds it, with nothing left to send.
    expect((await syncSpool(home, { apiKey: key })).writers[0]).toMatchObject({ records: 0, ackedSeq: report.writers[0]?.lastSeq })
  })

  it('tally sync prints a line per run and fails when something could not be sent', async () => {
    const home = freshDir()
    const port = await freePort()
    const seed = await serve(join(home, 'server.db'))
    const key = await writerKey(seed)
    await seed.close()
    const run = init({
      project: 'p',
      serverUrl: `http://127.0.0.1:${port}`,
      apiKey: key,
      dir: home,
      quiet: true,
      finishTimeoutMs: 100,
      onError: () => {},
    })
    for (let s = 0; s < 30; s++) run.log({ loss: s })
    await run.finish()

    const offline = await cli(['sync', '--api-key', key], home)
    expect(offline.code).toBe(1)
    expect(offline.stdout + offline.stderr).toMatch(new RegExp(`${run.id}.*ECONNREFUSED`))

    const server = await serve(join(home, 'server.db'), port)
    const online = await cli(['sync', '--api-key', key], home)
    expect(online.code).toBe(0)
    expect(online.stdout).toMatch(new RegExp(`${run.id}: sent \\d+ records \\(30 points\\) to ${server.url}/default`))
    expect(await steps(server, key, run.id)).toEqual(range(0, 30))
  })
})
