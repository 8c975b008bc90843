/**
 * The local-first promise end to end: a script logs through the SDK into the spool, the CLI
 * ingests it into a real SQLite file and prints it. Child processes are real and killed with
 * SIGKILL where the test says so.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { init } from '@tally/sdk'
import { describe, expect, it } from 'vitest'
import { CLI_DIST, cli, cliJson, freshDir, script, startNode } from './test-helpers.js'

interface RunJson {
  id: string
  name: string
  project: string
  status: string
  group: string | null
  tags: string[]
  config: Record<string, unknown>
  summary: Record<string, unknown>
  createdAt: string
  lastStep: number | null
}
interface SeriesJson {
  run: string
  key: string
  steps: number[]
  values: (number | string)[]
}
interface BucketsJson {
  run: string
  key: string
  buckets: {
    first: number[]
    last: number[]
    min: (number | string)[]
    max: (number | string)[]
    value: (number | string)[]
    count: number[]
  }
}

function spoolFiles(dir: string, runId: string): string[] {
  const runDir = join(dir, 'spool', runId)
  return readdirSync(runDir)
    .filter((f) => f.endsWith('.tsp'))
    .map((f) => join(runDir, f))
}

describe('the issue example', () => {
  it('logs with two lines and reads back through the CLI', async () => {
    const dir = freshDir()
    const run = init({ project: 'mnist', name: 'baseline', config: { lr: 1e-3 }, dir })
    for (let step = 0; step < 100; step++) run.log({ loss: 1 / (step + 1), acc: step / 100 })
    run.result('test_acc', 0.97)
    await run.finish()

    const runs = await cliJson<RunJson[]>(['runs', 'mnist'], dir)
    expect(runs).toHaveLength(1)
    const r = runs[0] as RunJson
    expect(r).toMatchObject({
      id: run.id,
      name: 'baseline',
      project: 'mnist',
      status: 'finished',
      group: null,
      tags: [],
      config: { lr: 0.001 },
    })
    expect(r.summary).toMatchObject({ loss: 0.01, acc: 0.99, test_acc: 0.97 })
    expect(Number.isNaN(Date.parse(r.createdAt))).toBe(false)

    const loss = await cliJson<SeriesJson>(['series', run.id, 'loss'], dir)
    expect(loss.run).toBe(run.id)
    expect(loss.steps).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(loss.values).toEqual(Array.from({ length: 100 }, (_, i) => 1 / (i + 1)))

    const projects = await cliJson<{ name: string; runs: number }[]>(['projects'], dir)
    expect(projects).toEqual([expect.objectContaining({ name: 'mnist', runs: 1 })])

    const table = await cli(['runs', 'mnist'], dir)
    expect(table.code).toBe(0)
    expect(table.stdout).toContain('baseline')
    expect(table.stdout).toContain('finished')
  })
})

describe('fidelity', () => {
  it('keeps NaN and ±Infinity through spool, store and CLI JSON', async () => {
    const dir = freshDir()
    const run = init({ project: 'p', dir, config: { weird: Number.NaN } })
    run.log({ v: Number.NaN })
    run.log({ v: Number.POSITIVE_INFINITY })
    run.log({ v: Number.NEGATIVE_INFINITY })
    run.log({ v: 1.5 })
    run.result('best', Number.POSITIVE_INFINITY)
    await run.finish()
    const s = await cliJson<SeriesJson>(['series', run.id, 'v'], dir)
    expect(s.values).toEqual(['NaN', 'Infinity', '-Infinity', 1.5])
    const b = await cliJson<BucketsJson>(['series', run.id, 'v', '--buckets', '4'], dir)
    expect(b.buckets.value).toEqual(['NaN', 'Infinity', '-Infinity', 1.5])
    const [r] = await cliJson<RunJson[]>(['runs', 'p'], dir)
    expect(r?.config).toEqual({ weird: 'NaN' })
    expect(r?.summary).toMatchObject({ v: 1.5, best: 'Infinity' })
    const csv = await cli(['export', 'p', '--format', 'csv'], dir)
    expect(
      csv.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',').at(-1)),
    ).toEqual(['NaN', 'Infinity', '-Infinity', '1.5'])
    const jsonl = await cli(['export', 'p', '--format', 'jsonl'], dir)
    expect(
      jsonl.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).value),
    ).toEqual(['NaN', 'Infinity', '-Infinity', 1.5])
  })

  it('lets a point logged again at the same (key, step) replace the earlier one', async () => {
    const dir = freshDir()
    const run = init({ project: 'p', dir })
    for (let s = 0; s < 10; s++) run.log({ loss: s }, { step: s })
    await run.flush()
    await cli(['ingest'], dir)
    // Restored from a checkpoint at step 5: steps 5.. are logged again with new values.
    for (let s = 5; s < 10; s++) run.log({ loss: 100 + s }, { step: s })
    run.log({ loss: -1 }, { step: 7 })
    await run.finish()
    const raw = await cliJson<SeriesJson>(['series', run.id, 'loss'], dir)
    expect(raw.steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(raw.values).toEqual([0, 1, 2, 3, 4, 105, 106, -1, 108, 109])
    const b = await cliJson<BucketsJson>(['series', run.id, 'loss', '--buckets', '2'], dir)
    expect(b.buckets.count).toEqual([8, 2])
    expect(b.buckets.max).toEqual([106, 109])
    expect(b.buckets.min).toEqual([-1, 108])
  })
})

describe('resume through the store', () => {
  it('continues at last step + 1 and shows one run', async () => {
    const dir = freshDir()
    const a = init({ project: 'p', name: 'long', dir })
    for (let i = 0; i < 5; i++) a.log({ x: i })
    await a.finish()
    await cli(['ingest'], dir)
    const b = init({ project: 'p', name: 'long', resume: 'must', dir })
    expect(b.id).toBe(a.id)
    b.log({ x: 5 })
    await b.flush()
    const [running] = await cliJson<RunJson[]>(['runs', 'p'], dir)
    expect(running?.status).toBe('running')
    await b.finish()
    const runs = await cliJson<RunJson[]>(['runs', 'p'], dir)
    expect(runs.map((r) => [r.id, r.status, r.lastStep])).toEqual([[a.id, 'finished', 5]])
    const s = await cliJson<SeriesJson>(['series', a.id, 'x'], dir)
    expect(s.steps).toEqual([0, 1, 2, 3, 4, 5])
  })
})

describe('crash safety', () => {
  it('keeps every point flushed before a SIGKILL and reads the run as crashed', async () => {
    const dir = freshDir()
    const path = script(
      dir,
      'train.mjs',
      `const run = tally.init({ project: 'crash', name: 'victim' })
let step = 0
for (;;) {
  for (let i = 0; i < 500; i++, step++) run.log({ loss: step * 0.5, acc: -step })
  await run.flush()
  console.log('flushed ' + run.id + ' ' + (step - 1))
  await new Promise((r) => setTimeout(r, 5))
}`,
    )
    const child = startNode(path, { TALLY_DIR: dir })
    await child.waitFor(/^flushed \S+ 2999$/)
    // Keep logging a little more, unflushed, then kill without warning.
    await new Promise((r) => setTimeout(r, 30))
    child.proc.kill('SIGKILL')
    const { signal } = await child.exited
    expect(signal).toBe('SIGKILL')
    const last = child.lines.at(-1)?.split(' ') ?? []
    const runId = last[1] as string
    const flushedThrough = Number(last[2])
    expect(flushedThrough).toBeGreaterThanOrEqual(2999)

    const s = await cliJson<SeriesJson>(['series', runId, 'loss'], dir)
    // Everything flushed is there, once, in order, with the right values.
    expect(s.steps.length).toBeGreaterThan(flushedThrough)
    for (let i = 0; i <= flushedThrough; i++) {
      expect(s.steps[i]).toBe(i)
      expect(s.values[i]).toBe(i * 0.5)
    }
    expect(new Set(s.steps).size).toBe(s.steps.length)
    const run = await cliJson<RunJson>(['run', runId], dir)
    expect(run.status).toBe('crashed')
  })

  it('marks the run failed on an uncaught exception and finished on a normal exit without finish()', async () => {
    const dir = freshDir()
    const boom = startNode(
      script(dir, 'boom.mjs', `const run = tally.init({ project: 'life', name: 'boom' })\nrun.log({ a: 1 })\nthrow new Error('diverged')`),
      {
        TALLY_DIR: dir,
      },
    )
    expect((await boom.exited).code).toBe(1)
    const quiet = startNode(script(dir, 'quiet.mjs', `const run = tally.init({ project: 'life', name: 'quiet' })\nrun.log({ a: 1 })`), {
      TALLY_DIR: dir,
    })
    expect((await quiet.exited).code).toBe(0)
    const sigterm = startNode(
      script(
        dir,
        'term.mjs',
        `const run = tally.init({ project: 'life', name: 'term' })\nrun.log({ a: 1 })\nconsole.log('ready')\nsetInterval(() => {}, 1000)`,
      ),
      { TALLY_DIR: dir },
    )
    await sigterm.waitFor(/ready/)
    sigterm.proc.kill('SIGTERM')
    expect((await sigterm.exited).signal).toBe('SIGTERM')

    const runs = await cliJson<(RunJson & { error: string | null })[]>(['runs', 'life', '--sort', 'name', '--asc'], dir)
    expect(runs.map((r) => [r.name, r.status])).toEqual([
      ['boom', 'failed'],
      ['quiet', 'finished'],
      ['term', 'failed'],
    ])
    expect(runs[0]?.error).toContain('diverged')
    expect(runs[2]?.error).toContain('SIGTERM')
    for (const r of runs) expect((await cliJson<SeriesJson>(['series', r.id, 'a'], dir)).values).toEqual([1])
  })

  it('ingests everything before a torn or damaged last record', async () => {
    const dir = freshDir()
    const run = init({ project: 'p', dir })
    run.log({ a: 1 })
    run.log({ a: 2 })
    await run.flush()
    run.log({ a: 3 })
    await run.flush()
    const [file] = spoolFiles(dir, run.id)
    if (!file) throw new Error('no spool file')
    const size = readFileSync(file).length
    // Tear the last record (the one with a: 3) in half, as a crash mid-write would.
    truncateSync(file, size - 12)
    expect((await cliJson<SeriesJson>(['series', run.id, 'a'], dir)).values).toEqual([1, 2])

    // Damage instead of truncation: a flipped byte fails the checksum; it is reported, not fatal.
    const dir2 = freshDir()
    const run2 = init({ project: 'p', dir: dir2 })
    run2.log({ a: 1 })
    await run2.flush()
    run2.log({ a: 2 })
    await run2.flush()
    const [file2] = spoolFiles(dir2, run2.id)
    if (!file2) throw new Error('no spool file')
    const bytes = readFileSync(file2)
    bytes[bytes.length - 9] = (bytes[bytes.length - 9] ?? 0) ^ 0xff
    writeFileSync(file2, bytes)
    const report = await cli(['ingest'], dir2)
    expect(report.code).toBe(0)
    expect(report.stdout).toContain('checksum mismatch')
    expect((await cliJson<SeriesJson>(['series', run2.id, 'a'], dir2)).values).toEqual([1])
  })
})

describe('concurrency', () => {
  it('takes 8 processes logging to one project at once, every point present once', async () => {
    const dir = freshDir()
    const steps = 3000
    const path = script(
      dir,
      'worker.mjs',
      `const rank = Number(process.env.RANK)
const run = tally.init({ project: 'ddp', name: 'rank-' + rank, group: 'sweep', tags: ['r' + rank], config: { rank } })
for (let s = 0; s < ${steps}; s++) {
  run.log({ loss: rank * 1e6 + s, 'gpu/util': s % 100 })
  if (s % 500 === 0) await new Promise((r) => setTimeout(r, 1))
}
await run.finish()`,
    )
    const children = Array.from({ length: 8 }, (_, rank) => startNode(path, { TALLY_DIR: dir, RANK: String(rank) }))
    // Ingest while they write: partial records at file ends must be left for later.
    for (let i = 0; i < 5; i++) {
      expect((await cli(['ingest'], dir)).code).toBe(0)
      await new Promise((r) => setTimeout(r, 20))
    }
    const exits = await Promise.all(children.map((c) => c.exited))
    expect(exits.map((e) => [e.code, e.stderr])).toEqual(Array.from({ length: 8 }, () => [0, '']))

    const runs = await cliJson<RunJson[]>(['runs', 'ddp', '--sort', 'config.rank', '--asc'], dir)
    expect(runs.map((r) => r.name)).toEqual(Array.from({ length: 8 }, (_, i) => `rank-${i}`))
    for (const [rank, r] of runs.entries()) {
      expect(r.status).toBe('finished')
      const s = await cliJson<SeriesJson>(['series', r.id, 'loss'], dir)
      expect(s.steps).toEqual(Array.from({ length: steps }, (_, i) => i))
      expect(s.values).toEqual(Array.from({ length: steps }, (_, i) => rank * 1e6 + i))
    }
    // A second ingest changes nothing.
    const again = await cliJson<{ records: number; points: number }>(['ingest'], dir)
    expect(again).toMatchObject({ records: 0, points: 0 })
  })
})

describe('the CLI', () => {
  it('gives every invalid input its code and a non-zero exit', async () => {
    const dir = freshDir()
    const run = init({ project: 'p', dir })
    run.log({ a: 1 })
    await run.finish()
    const cases: [string[], string, number][] = [
      [['frobnicate'], 'unknown_command', 2],
      [['runs', 'p', '--colour'], 'unknown_command', 2],
      [['runs'], 'invalid_argument', 2],
      [['series', run.id], 'invalid_argument', 2],
      [['runs', 'p', '--limit', '0'], 'invalid_query', 2],
      [['runs', 'p', '--status', 'sleeping'], 'invalid_query', 2],
      [['runs', 'p', '--where', 'config.lr'], 'invalid_query', 2],
      [['series', run.id, 'a', '--buckets', 'ten'], 'invalid_query', 2],
      [['series', run.id, 'a', '--from', '-3'], 'invalid_query', 2],
      [['series', run.id, 'a', '--since', 'garbage'], 'invalid_cursor', 1],
      [['series', 'nope', 'a'], 'not_found', 1],
      [['series', run.id, 'nope'], 'not_found', 1],
      [['run', 'nope'], 'not_found', 1],
      [['export', 'p', '--format', 'xml'], 'invalid_argument', 2],
      [['export', 'nope'], 'not_found', 1],
    ]
    for (const [args, code, exit] of cases) {
      const r = await cli([...args, '--json'], dir)
      expect({ args, exit: r.code, error: JSON.parse(r.stderr).error.code }).toEqual({ args, exit, error: code })
      const human = await cli(args, dir)
      expect(human.stderr).toMatch(new RegExp(`^tally: .+ \\[${code}\\]\\n$`))
    }
  })

  it('runs as the installed binary, with --help on every command', () => {
    const dir = freshDir()
    const help = execFileSync(process.execPath, [CLI_DIST, '--help'], { encoding: 'utf8' })
    for (const c of ['projects', 'runs', 'run', 'series', 'ingest', 'export']) {
      expect(help).toContain(c)
      const own = execFileSync(process.execPath, [CLI_DIST, c, '--help'], { encoding: 'utf8', env: { ...process.env, TALLY_DIR: dir } })
      expect(own).toContain(`Usage: tally ${c}`)
    }
    const projects = execFileSync(process.execPath, [CLI_DIST, 'projects', '--json', '--dir', dir], { encoding: 'utf8' })
    expect(JSON.parse(projects)).toEqual([])
  })

  it('follows new points with a since cursor', async () => {
    const dir = freshDir()
    const run = init({ project: 'p', dir })
    run.log({ a: 1 })
    run.log({ a: 2 })
    await run.flush()
    const first = await cliJson<SeriesJson & { cursor: string }>(['series', run.id, 'a'], dir)
    run.log({ a: 3 })
    await run.finish()
    const next = await cliJson<SeriesJson & { cursor: string; reset: boolean }>(['series', run.id, 'a', '--since', first.cursor], dir)
    expect(next.steps).toEqual([2])
    expect(next.values).toEqual([3])
    expect(next.reset).toBe(false)
  })
})
