import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { KIND_EVENT, KIND_POINTS, type SpoolEvent } from '../spool/format.js'
import { listSpool, readSpoolFile } from '../spool/reader.js'
import * as tora from './index.js'
import { Tora } from './index.js'

const open: Tora[] = []
afterEach(async () => {
  for (const c of open.splice(0)) await c.shutdown()
  await tora.shutdown()
})
const freshDir = (): string => mkdtempSync(join(tmpdir(), 'tally-tora-'))
const create = (name: string, options: Parameters<typeof Tora.createExperiment>[1] = {}): Tora => {
  const c = Tora.createExperiment(name, { quiet: true, ...options })
  open.push(c)
  return c
}

interface Point {
  key: string
  step: number
  value: number
}

/** What the run's spool holds: its points and events, in file order. */
function spooled(dir: string, runId: string): { points: Point[]; events: SpoolEvent[] } {
  const points: Point[] = []
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

describe('buffer length', () => {
  it('the class holds 25 values by default and writes them to the spool when the 25th arrives', () => {
    const dir = freshDir()
    const c = create('buffered', { dir })
    expect(c.maxBufferLen).toBe(25)
    for (let s = 0; s < 24; s++) c.log('loss', s, s)
    expect(c.bufferSize).toBe(24)
    expect(spooled(dir, c.experimentId).points).toEqual([])
    c.log('loss', 24, 24)
    expect(c.bufferSize).toBe(0)
    expect(spooled(dir, c.experimentId).points.map((p) => p.step)).toEqual(Array.from({ length: 25 }, (_, i) => i))
  })

  it('setup holds 1: every tlog is in the spool when it returns', () => {
    const dir = freshDir()
    const id = tora.setup('unbuffered', { dir, quiet: true })
    tora.tlog('loss', 0.5, 0)
    expect(spooled(dir, id).points).toEqual([{ key: 'loss', step: 0, value: 0.5 }])
    tora.tlog('loss', 0.25, 1)
    expect(spooled(dir, id).points).toHaveLength(2)
  })

  it('a custom length: results and each metric of logMetrics count toward it', () => {
    const dir = freshDir()
    const c = create('custom', { dir, maxBufferLen: 4 })
    c.logMetrics({ a: 1, b: 2 }, 0)
    c.result('best', 3)
    expect(c.bufferSize).toBe(3)
    c.log('a', 4, 1)
    expect(c.bufferSize).toBe(0)
    const { points, events } = spooled(dir, c.experimentId)
    expect(points).toEqual([
      { key: 'a', step: 0, value: 1 },
      { key: 'b', step: 0, value: 2 },
      { key: 'a', step: 1, value: 4 },
    ])
    expect(events).toContainEqual(expect.objectContaining({ type: 'result', key: 'best', value: 3 }))
  })

  it('flush empties the buffer into the spool; shutdown flushes and closes, twice harmlessly', async () => {
    const dir = freshDir()
    const c = create('flushing', { dir })
    c.log('loss', 1, 0)
    await c.flush()
    expect(c.bufferSize).toBe(0)
    expect(spooled(dir, c.experimentId).points).toHaveLength(1)
    c.log('loss', 2, 1)
    await c.shutdown()
    await c.shutdown()
    expect(c.isClosed).toBe(true)
    expect(spooled(dir, c.experimentId).points).toHaveLength(2)
    expect(() => c.log('loss', 3, 2)).toThrow(expect.objectContaining({ code: 'run_finished' }))
  })
})

describe('await using', () => {
  it('flushes and closes the experiment at the end of the block', async () => {
    const dir = freshDir()
    let client: Tora | undefined
    {
      await using c = Tora.createExperiment('scoped', { dir, quiet: true })
      client = c
      c.log('metric', 1.0)
      expect(c.bufferSize).toBe(1)
    }
    expect(client.isClosed).toBe(true)
    const { points, events } = spooled(dir, client.experimentId)
    expect(points).toEqual([{ key: 'metric', step: 0, value: 1 }])
    expect(events).toContainEqual(expect.objectContaining({ type: 'status', status: 'finished' }))
  })
})

describe('the global session', () => {
  it('answers before setup, during and after shutdown', async () => {
    expect(tora.isInitialized()).toBe(false)
    expect(tora.getExperimentId()).toBeNull()
    expect(tora.getExperimentUrl()).toBeNull()
    expect(() => tora.tlog('loss', 1)).toThrow(
      expect.objectContaining({ code: 'no_active_run', message: expect.stringMatching(/call setup/) }),
    )
    expect(() => tora.tresult('acc', 1)).toThrow(expect.objectContaining({ code: 'no_active_run' }))
    await tora.flush()
    const id = tora.setup('global', { dir: freshDir(), quiet: true })
    expect(tora.isInitialized()).toBe(true)
    expect(tora.getExperimentId()).toBe(id)
    expect(tora.getExperimentUrl()).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/default/default/runs/${id}$`))
    await tora.shutdown()
    expect(tora.isInitialized()).toBe(false)
  })

  it('a second setup while one is open is an error, as under Tora, and the open one stays', () => {
    const dir = freshDir()
    const id = tora.setup('first', { dir, quiet: true })
    expect(() => tora.setup('second', { dir, quiet: true })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', message: expect.stringMatching(/call shutdown\(\) first/) }),
    )
    expect(tora.getExperimentId()).toBe(id)
  })

  it('names, tags and metric names are stripped, as Tora strips them', async () => {
    const dir = freshDir()
    const c = create('  padded  ', { dir, tags: [' gpu ', 'gpu'] })
    c.log(' loss ', 1, 0)
    await c.shutdown()
    const { events, points } = spooled(dir, c.experimentId)
    expect(events[0]).toMatchObject({ type: 'run', name: 'padded', tags: ['gpu'] })
    expect(points).toEqual([{ key: 'loss', step: 0, value: 1 }])
  })

  it('metadata, description, tags and hyperparams reach the run', async () => {
    const dir = freshDir()
    const id = tora.setup('meta', { dir, quiet: true, description: 'd', tags: ['GPU', 'gpu', 'fast'], hyperparams: { lr: 0.1 } })
    tora.tlog('acc', 0.9, 3, { split: 'val' })
    await tora.shutdown()
    const { events } = spooled(dir, id)
    expect(events[0]).toMatchObject({ type: 'run', name: 'meta', description: 'd', tags: ['GPU', 'fast'], config: { lr: 0.1 } })
    expect(events).toContainEqual(expect.objectContaining({ type: 'metadata', step: 3, keys: ['acc'], metadata: { split: 'val' } }))
  })

  it('loadExperiment continues a run after its last step', async () => {
    const dir = freshDir()
    const first = create('resumable', { dir })
    first.log('loss', 1)
    first.log('loss', 2)
    await first.shutdown()
    const again = create('ignored', { dir })
    await again.shutdown()
    const loaded = Tora.loadExperiment(first.experimentId, { dir, quiet: true })
    open.push(loaded)
    loaded.log('loss', 3)
    await loaded.shutdown()
    // Two writers' files: their order on disk is not the order of the steps.
    const loss = spooled(dir, first.experimentId).points.filter((p) => p.key === 'loss')
    expect(loss.map((p) => [p.step, p.value]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ])
    expect(() => Tora.loadExperiment('nope', { dir, quiet: true })).toThrow(expect.objectContaining({ code: 'run_not_found' }))
  })

  it('loadExperiment takes only the id, as under Tora, whatever project the experiment is in', async () => {
    const dir = freshDir()
    const vision = create('in-vision', { dir, project: 'vision' })
    vision.log('loss', 1)
    await vision.shutdown()
    const loaded = Tora.loadExperiment(vision.experimentId, { dir, quiet: true })
    open.push(loaded)
    loaded.log('loss', 2)
    await loaded.shutdown()
    expect(loaded.url).toContain('/vision/runs/')
    expect(
      spooled(dir, vision.experimentId)
        .points.map((p) => p.step)
        .sort(),
    ).toEqual([0, 1])
  })
})
