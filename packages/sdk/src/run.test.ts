import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as tally from './index.js'
import { KIND_EVENT, KIND_POINTS, type SpoolEvent } from './spool/format.js'
import { listSpool, readSpoolFile } from './spool/reader.js'

const dirs: string[] = []
const freshDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tally-sdk-'))
  dirs.push(d)
  return d
}
const open: tally.Run[] = []
const init = (o: tally.InitOptions): tally.Run => {
  const r = tally.init(o)
  open.push(r)
  return r
}
afterEach(async () => {
  for (const r of open.splice(0)) await r.finish()
})

/** Every point and event in a run's spool, in file order. */
function readRun(dir: string, runId: string): { points: { key: string; step: number; value: number }[]; events: SpoolEvent[] } {
  const points: { key: string; step: number; value: number }[] = []
  const events: SpoolEvent[] = []
  for (const run of listSpool(join(dir, 'spool'))) {
    if (run.runId !== runId) continue
    for (const f of run.files) {
      for (const r of readSpoolFile(f.path).records) {
        if (r.kind === KIND_EVENT) events.push(r.event)
        if (r.kind !== KIND_POINTS) continue
        let p = 0
        r.points.steps.forEach((step, row) => {
          for (let i = 0; i < (r.points.counts[row] ?? 0); i++, p++) {
            points.push({ key: r.points.keys[r.points.keyIndex[p] ?? 0] ?? '', step, value: r.points.values[p] ?? 0 })
          }
        })
      }
    }
  }
  return { points, events }
}

const code = (c: tally.ErrorCode) => expect.objectContaining({ name: 'TallyError', code: c })

describe('init', () => {
  it('creates a run with a generated readable name and writes it to the spool at once', () => {
    const dir = freshDir()
    const run = init({ project: 'p', dir, config: { lr: 0.001, nested: { a: [1, 2] } } })
    expect(run.name).toMatch(/^[a-z]+-[a-z]+-\d+$/)
    expect(run.id).toMatch(/^[a-z0-9]{12}$/)
    const { events } = readRun(dir, run.id)
    expect(events[0]).toMatchObject({ type: 'run', project: 'p', name: run.name, config: { lr: 0.001, nested: { a: [1, 2] } } })
  })

  it('rejects invalid options with stable codes', () => {
    const dir = freshDir()
    expect(() => init({ project: '', dir })).toThrow(code('invalid_project'))
    expect(() => init({ project: 'x'.repeat(256), dir })).toThrow(code('invalid_project'))
    expect(() => init({ project: 'p', name: '  ', dir })).toThrow(code('invalid_name'))
    expect(() => init({ project: 'p', description: 'd'.repeat(1001), dir })).toThrow(code('invalid_name'))
    expect(() => init({ project: 'p', tags: ['ok', ''], dir })).toThrow(code('invalid_tags'))
    expect(() => init({ project: 'p', tags: Array.from({ length: 51 }, (_, i) => `t${i}`), dir })).toThrow(code('invalid_tags'))
    expect(() => init({ project: 'p', config: { f: () => 1 }, dir })).toThrow(code('invalid_config'))
    expect(() => init({ project: 'p', config: { big: 1n }, dir })).toThrow(code('invalid_config'))
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => init({ project: 'p', config: cyclic, dir })).toThrow(code('invalid_config'))
    expect(() => init({ project: 'p', config: [] as unknown as Record<string, unknown>, dir })).toThrow(code('invalid_config'))
    expect(() => init({ project: 'p', resume: 'sometimes' as tally.ResumeMode, dir })).toThrow(code('invalid_resume'))
    expect(() => init({ project: 'p', resume: 'must', dir })).toThrow(code('invalid_resume'))
    expect(() => init({ project: 'p', id: '../escape', dir })).toThrow(code('invalid_argument'))
    // Nothing was created by the failed calls.
    expect(listSpool(join(dir, 'spool'))).toEqual([])
  })
})

describe('log', () => {
  it('numbers steps per call, accepts explicit steps and continues after them', () => {
    const dir = freshDir()
    const run = init({ project: 'p', dir })
    run.log({ a: 1 })
    run.log({ a: 2 })
    run.log({ a: 3 }, { step: 10 })
    run.log({ a: 4 })
    run.log({ a: 5 }, { step: 2 })
    expect(run.step).toBe(3)
    run.flushSync()
    expect(readRun(dir, run.id).points.map((p) => [p.step, p.value])).toEqual([
      [0, 1],
      [1, 2],
      [10, 3],
      [11, 4],
      [2, 5],
    ])
  })

  it('keeps NaN and infinities, and accepts any key up to 255 characters', async () => {
    const dir = freshDir()
    const run = init({ project: 'p', dir })
    const keys = ['train/loss', 'a.b.c', 'with space', 'ünïcödé 🚀', 'k'.repeat(255), '🚀'.repeat(255)]
    run.log(Object.fromEntries(keys.map((k) => [k, 1])))
    run.log({ n: Number.NaN, p: Number.POSITIVE_INFINITY, m: Number.NEGATIVE_INFINITY, z: -0 })
    await run.flush()
    const { points } = readRun(dir, run.id)
    expect(points.slice(0, keys.length).map((p) => p.key)).toEqual(keys)
    const last = points.slice(keys.length)
    expect(last.map((p) => p.key)).toEqual(['n', 'p', 'm', 'z'])
    expect(Object.is(last[0]?.value, Number.NaN)).toBe(true)
    expect(last[1]?.value).toBe(Number.POSITIVE_INFINITY)
    expect(last[2]?.value).toBe(Number.NEGATIVE_INFINITY)
    expect(Object.is(last[3]?.value, -0)).toBe(true)
  })

  it('rejects invalid input with stable codes and logs nothing of the failed call', async () => {
    const dir = freshDir()
    const run = init({ project: 'p', dir })
    expect(() => run.log({ '': 1 })).toThrow(code('invalid_key'))
    expect(() => run.log({ ['k'.repeat(256)]: 1 })).toThrow(code('invalid_key'))
    // NUL cannot be stored by every backend (PostgreSQL text), so no key or name holds one.
    expect(() => run.log({ 'a\u0000b': 1 })).toThrow(code('invalid_key'))
    expect(() => init({ project: 'p', dir, name: 'x\u0000' })).toThrow(code('invalid_name'))
    expect(() => init({ project: 'p\u0000', dir })).toThrow(code('invalid_project'))
    expect(() => init({ project: 'p', dir, tags: ['t\u0000'] })).toThrow(code('invalid_tags'))
    expect(() => run.log({ good: 1, bad: '1' as unknown as number })).toThrow(code('invalid_value'))
    expect(() => run.log({ good: 1, bad: null as unknown as number })).toThrow(code('invalid_value'))
    expect(() => run.log({ good: 1, bad: 1n as unknown as number })).toThrow(code('invalid_value'))
    expect(() => run.log({ a: 1 }, { step: -1 })).toThrow(code('invalid_step'))
    expect(() => run.log({ a: 1 }, { step: 1.5 })).toThrow(code('invalid_step'))
    expect(() => run.log({ a: 1 }, { step: Number.NaN })).toThrow(code('invalid_step'))
    expect(() => run.log({ a: 1 }, { step: 2 ** 53 })).toThrow(code('invalid_step'))
    // Point metadata: a JSON object of at most 10 KB (Tora's limit).
    expect(() => run.log({ a: 1 }, { metadata: { blob: 'x'.repeat(10_300) } })).toThrow(code('invalid_metadata'))
    expect(() => run.log({ a: 1 }, { metadata: [] as unknown as Record<string, unknown> })).toThrow(code('invalid_metadata'))
    expect(() => run.log({ a: 1 }, { metadata: { f: () => 1 } })).toThrow(code('invalid_metadata'))
    expect(() => run.log(null as unknown as Record<string, number>)).toThrow(code('invalid_argument'))
    expect(() => run.result('', 1)).toThrow(code('invalid_key'))
    expect(() => run.result('acc', 'high' as unknown as number)).toThrow(code('invalid_value'))
    expect(() => {
      run.config.bad = (() => 1) as unknown as number
    }).toThrow(code('invalid_config'))
    run.log({ ok: 1 })
    await run.flush()
    expect(readRun(dir, run.id).points).toEqual([{ key: 'ok', step: 0, value: 1 }])
    await run.finish()
    expect(() => run.log({ a: 1 })).toThrow(code('run_finished'))
  })

  it('records config and summary changes and results', async () => {
    const dir = freshDir()
    const run = init({ project: 'p', dir, config: { lr: 0.1 } })
    run.config.batch = 64
    run.config.update({ epochs: 3 })
    run.summary.best = Number.POSITIVE_INFINITY
    run.result('test_acc', 0.97)
    expect(run.config.lr).toBe(0.1)
    expect(run.config.batch).toBe(64)
    await run.finish()
    const types = readRun(dir, run.id).events.map((e) => e.type)
    expect(types).toEqual(['run', 'config', 'config', 'summary', 'result', 'status'])
    const summary = readRun(dir, run.id).events[3]
    expect(summary).toEqual(expect.objectContaining({ summary: { best: Number.POSITIVE_INFINITY } }))
  })

  it('writes the spool by itself within the flush interval', async () => {
    const dir = freshDir()
    const run = init({ project: 'p', dir, flushIntervalMs: 50 })
    run.log({ a: 1 })
    await new Promise((r) => setTimeout(r, 300))
    expect(readRun(dir, run.id).points).toHaveLength(1)
  })
})

describe('module-level API', () => {
  it('acts on the current run and says what to do before init', async () => {
    await tally.finish()
    expect(() => tally.log({ a: 1 })).toThrow(code('no_active_run'))
    expect(() => {
      tally.config.lr = 1
    }).toThrow(code('no_active_run'))
    const dir = freshDir()
    const run = init({ project: 'p', dir })
    tally.log({ a: 1 })
    tally.config.lr = 0.5
    tally.summary.best = 2
    tally.result('acc', 1)
    expect(tally.config.lr).toBe(0.5)
    expect(tally.currentRun()).toBe(run)
    await tally.finish()
    expect(tally.currentRun()).toBeUndefined()
    expect(readRun(dir, run.id).points).toHaveLength(1)
  })
})

describe('resume', () => {
  it('never always creates; allow resumes the latest by name; must fails without a run', async () => {
    const dir = freshDir()
    const a = init({ project: 'p', name: 'exp', dir })
    a.log({ x: 1 })
    a.log({ x: 2 })
    await a.finish()
    // "Latest" goes by creation time in ms: runs made within one millisecond are not ordered.
    await new Promise((r) => setTimeout(r, 5))
    const b = init({ project: 'p', name: 'exp', dir })
    await b.finish()
    expect(b.id).not.toBe(a.id)
    expect(readdirSync(join(dir, 'spool'))).toHaveLength(2)

    // b is the latest run named exp: allow and must resume it (nothing logged: step 0).
    const c = init({ project: 'p', name: 'exp', resume: 'allow', dir })
    expect(c.id).toBe(b.id)
    expect(c.resumed).toBe(true)
    expect(c.step).toBe(0)
    await c.finish()

    const byId = init({ project: 'p', id: a.id, resume: 'must', dir })
    expect(byId.id).toBe(a.id)
    expect(byId.step).toBe(2)
    byId.log({ x: 3 })
    await byId.finish()
    expect(
      readRun(dir, a.id)
        .points.map((p) => p.step)
        .sort(),
    ).toEqual([0, 1, 2])

    expect(() => init({ project: 'p', name: 'nope', resume: 'must', dir })).toThrow(code('run_not_found'))
    expect(() => init({ project: 'p', id: 'nope', resume: 'must', dir })).toThrow(code('run_not_found'))
    expect(() => init({ project: 'p', id: a.id, resume: 'never', dir })).toThrow(code('run_exists'))
    expect(() => init({ project: 'other', id: a.id, resume: 'must', dir })).toThrow(code('invalid_argument'))
    // By id with no project asked for, the run is resumed in its own project.
    const ownProject = init({ id: a.id, resume: 'must', dir, capture: false })
    expect([ownProject.project, ownProject.step]).toEqual(['p', 3])
    await ownProject.finish()

    const created = init({ project: 'p', name: 'fresh', resume: 'allow', dir })
    expect(created.resumed).toBe(false)
    const withId = init({ project: 'p', id: 'my-run_1', resume: 'allow', dir })
    expect(withId.id).toBe('my-run_1')
    expect(withId.resumed).toBe(false)
  })
})

describe('console output', () => {
  it('run.console records whole lines, the unfinished one at finish', async () => {
    const dir = freshDir()
    const run = tally.init({ project: 'p', dir })
    run.console('stdout', 'epoch 1 loss 0.5\nepoch 2')
    run.console('stderr', 'warning: slow\n')
    await run.finish()
    const lines = readRun(dir, run.id).events.flatMap((e) => (e.type === 'console' ? e.lines : []))
    expect(lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'epoch 1 loss 0.5'],
      ['stderr', 'warning: slow'],
      ['stdout', 'epoch 2'],
    ])
    expect(() => run.console('stdout', 'late\n')).toThrow(code('run_finished'))
  })

  it('rejects a wrong stream or text with invalid_argument', () => {
    const run = init({ project: 'p', dir: freshDir() })
    expect(() => run.console('stdin' as 'stdout', 'x')).toThrow(code('invalid_argument'))
    expect(() => run.console('stdout', 42 as unknown as string)).toThrow(code('invalid_argument'))
  })

  it('captureConsole still prints every write, in order, records it, and lets go at finish', async () => {
    const dir = freshDir()
    const printed: string[] = []
    const realOut = process.stdout.write
    const realErr = process.stderr.write
    // Stand-ins for the terminal, so the test sees what reaches it.
    const fakeOut = ((chunk: string | Uint8Array) => printed.push(`out:${String(chunk)}`) > 0) as typeof process.stdout.write
    const fakeErr = ((chunk: string | Uint8Array) => printed.push(`err:${String(chunk)}`) > 0) as typeof process.stderr.write
    process.stdout.write = fakeOut
    process.stderr.write = fakeErr
    let run: tally.Run
    try {
      run = tally.init({ project: 'p', dir, captureConsole: true })
      process.stdout.write('one\n')
      process.stderr.write('two\n')
      process.stdout.write(Buffer.from('three\nfour'))
      await run.finish()
      expect(process.stdout.write).toBe(fakeOut)
      expect(process.stderr.write).toBe(fakeErr)
      process.stdout.write('after\n')
    } finally {
      process.stdout.write = realOut
      process.stderr.write = realErr
    }
    expect(printed).toEqual(['out:one\n', 'err:two\n', 'out:three\nfour', 'out:after\n'])
    const lines = readRun(dir, run.id).events.flatMap((e) => (e.type === 'console' ? e.lines : []))
    expect(lines.map((l) => `${l.stream}:${l.text}`)).toEqual(['stdout:one', 'stderr:two', 'stdout:three', 'stdout:four'])
  })

  it('puts the git state of the working directory into the run system info', async () => {
    const dir = freshDir()
    const run = tally.init({ project: 'p', dir })
    await run.finish()
    const event = readRun(dir, run.id).events[0]
    // The tests run inside Tally's own repository.
    expect(event?.type === 'run' && event.system.git).toMatchObject({
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      dirty: expect.any(Boolean),
    })
  })
})
