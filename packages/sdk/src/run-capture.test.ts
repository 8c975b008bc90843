/** What `init` captures by itself, read back from the spool it writes. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as tally from './index.js'
import { KIND_EVENT, KIND_POINTS, type SpoolEvent } from './spool/format.js'
import { listSpool, readSpoolFile } from './spool/reader.js'

const open: tally.Run[] = []
const init = (o: tally.InitOptions): tally.Run => {
  const r = tally.init({ quiet: true, ...o, dir: o.dir ?? mkdtempSync(join(tmpdir(), 'tally-capture-')) })
  open.push(r)
  return r
}
afterEach(async () => {
  for (const r of open.splice(0)) await r.finish()
})

function readRun(run: tally.Run): { points: { key: string; step: number }[]; events: SpoolEvent[] } {
  const points: { key: string; step: number }[] = []
  const events: SpoolEvent[] = []
  for (const r of listSpool(join(run.dir, 'spool')).filter((s) => s.runId === run.id)) {
    for (const f of r.files) {
      for (const rec of readSpoolFile(f.path).records) {
        if (rec.kind === KIND_EVENT) events.push(rec.event)
        if (rec.kind !== KIND_POINTS) continue
        let p = 0
        rec.points.steps.forEach((step, row) => {
          for (let i = 0; i < (rec.points.counts[row] ?? 0); i++, p++)
            points.push({ key: rec.points.keys[rec.points.keyIndex[p] ?? 0] ?? '', step })
        })
      }
    }
  }
  return { points, events }
}

const systemOf = (run: tally.Run): Record<string, unknown> => {
  const e = readRun(run).events[0]
  if (e?.type !== 'run') throw new Error('no run event')
  return e.system as Record<string, unknown>
}

async function until<T>(probe: () => T | undefined): Promise<T> {
  for (;;) {
    const v = probe()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('system metrics', () => {
  it('samples CPU and memory on their own timeline, leaving the user step counter and resume alone', async () => {
    const run = init({ project: 'p', capture: { system: { intervalMs: 1000 } } })
    const quiet = init({ project: 'p', capture: { system: false } })
    run.log({ loss: 0 })
    quiet.log({ loss: 0 })
    await until(() => {
      run.flushSync()
      const keys = readRun(run).points.map((p) => p.key)
      return keys.includes('system/cpu_percent') && keys.includes('system/memory_percent') ? true : undefined
    })
    expect(run.step).toBe(1)
    const points = readRun(run).points
    expect(points.filter((p) => p.key === 'loss').map((p) => p.step)).toEqual([0])
    const keys = new Set(points.map((p) => p.key))
    for (const k of ['system/cpu_percent', 'system/memory_used_gb', 'system/memory_percent', 'system/process_rss_mb'])
      expect(keys).toContain(k)
    // Stepped by seconds since the run started: the first sample, a second in, is at step ≥ 1.
    const sampleSteps = points.filter((p) => p.key === 'system/cpu_percent').map((p) => p.step)
    expect(sampleSteps[0]).toBeGreaterThanOrEqual(1)
    await run.finish()
    await quiet.finish()
    expect(readRun(quiet).points.map((p) => p.key)).toEqual(['loss'])

    // A resume continues after the user's last step, whatever steps the samples took.
    const again = init({ project: 'p', id: run.id, dir: run.dir, resume: 'must', capture: false })
    expect(again.step).toBe(1)
  })
})

describe('system info', () => {
  it('records argv, flags, git and the environment with secret-looking values redacted', () => {
    const argv = process.argv
    process.env.TALLY_TEST_API_KEY = 'sk-very-secret-1'
    process.argv = [argv[0] as string, 'train.js', '--lr=0.01', '--epochs', '5', '--token', 'tok-very-secret-2']
    let run: tally.Run
    try {
      run = init({ project: 'p', config: { epochs: 10 } })
    } finally {
      process.argv = argv
      delete process.env.TALLY_TEST_API_KEY
    }
    // Flags fill config keys the script did not set; its own config wins.
    expect({ ...run.config }).toEqual({ lr: 0.01, epochs: 10, token: '[redacted]' })
    const system = systemOf(run)
    expect(system.argv).toEqual([argv[0], 'train.js', '--lr=0.01', '--epochs', '5', '--token', '[redacted]'])
    expect(system.flags).toEqual({ lr: 0.01, epochs: 5, token: '[redacted]' })
    expect(system.git).toMatchObject({ commit: expect.stringMatching(/^[0-9a-f]{40}$/) })
    expect(system.env).toMatchObject({ runtime: 'node', cpuCount: expect.any(Number), gpus: expect.any(Array) })
    expect((system.environ as Record<string, string>).TALLY_TEST_API_KEY).toBe('[redacted]')
    expect(JSON.stringify(readRun(run).events)).not.toMatch(/very-secret/)
  })

  it('leaves out what is switched off', () => {
    const run = init({ project: 'p', capture: { git: false, env: false, argv: false } })
    expect(Object.keys(systemOf(run)).sort()).toEqual(['arch', 'cwd', 'host', 'pid', 'platform', 'runtime'])
  })
})

describe('console capture', () => {
  it('records each line in one run only: the newest of the open runs, then the older again once it ends', async () => {
    const realOut = process.stdout.write
    process.stdout.write = (() => true) as typeof process.stdout.write
    let a: tally.Run
    let b: tally.Run
    try {
      a = init({ project: 'p', capture: { system: false } })
      process.stdout.write('to a\n')
      b = init({ project: 'p', capture: { system: false } })
      process.stdout.write('to b\n')
      await b.finish()
      process.stdout.write('to a again\n')
      await a.finish()
    } finally {
      process.stdout.write = realOut
    }
    const lines = (run: tally.Run) => readRun(run).events.flatMap((e) => (e.type === 'console' ? e.lines.map((l) => l.text) : []))
    expect(lines(a)).toEqual(['to a', 'to a again'])
    expect(lines(b)).toEqual(['to b'])
  })
})
