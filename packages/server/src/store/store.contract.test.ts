/**
 * The Store contract: every backend passes this suite. `STORES=sqlite,postgres` picks the
 * backends (default sqlite); each test gets a fresh, real store.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TallyError } from '@tally/sdk'
import type { JsonValue, SpoolRecord } from '@tally/sdk/spool'
import { afterEach, describe, expect, it } from 'vitest'
import { bucketWidth } from './buckets.js'
import type { Store, StoreChange } from './store.js'
import { bruteBuckets, bucketRows, eventRecord, rowsRecord, runRecord, seriesRecord, T0 } from './test-records.js'
import { codeOf, openTestStore, STORE_KINDS, type TestStoreOptions } from './test-stores.js'

/** Wait until `check` holds (a networked store reports changes a moment after the commit). */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const ids = (page: { runs: { id: string }[] }): string[] => page.runs.map((r) => r.id)

/** `{ a: { a: … 1 } }`, `depth` levels deep. */
function nested(depth: number): { [key: string]: JsonValue } {
  let v: JsonValue = 1
  for (let i = 0; i < depth; i++) v = { a: v }
  return v as { [key: string]: JsonValue }
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i)

for (const kind of STORE_KINDS) {
  describe(kind, () => {
    const open: { store: Store; dir: string }[] = []
    /** The clock every store of this test reads; tests move it. */
    let clock = T0 + 1000

    async function fresh(options: TestStoreOptions = {}): Promise<Store> {
      const dir = mkdtempSync(join(tmpdir(), `tally-store-${kind}-`))
      // Writers in these tests claim a host other than this one unless a test says so,
      // so only their heartbeats decide whether they are alive.
      const store = await openTestStore(kind, dir, { now: () => clock, hostname: 'this-host', ...options })
      open.push({ store, dir })
      return store
    }

    afterEach(async () => {
      for (const { store, dir } of open.splice(0)) {
        await store.close()
        rmSync(dir, { recursive: true, force: true })
      }
      clock = T0 + 1000
    })

    async function run(store: Store, writer: string, id: string, records: SpoolRecord[], over: Parameters<typeof runRecord>[1] = { id }) {
      return store.ingest(writer, [runRecord(1, { ...over, id }), ...records])
    }

    describe('ingest', () => {
      it('creates the project and run and registers the writer', async () => {
        const store = await fresh()
        const ack = await store.ingest(
          'w1',
          [
            runRecord(1, {
              id: 'r1',
              name: 'first',
              group: 'g',
              tags: ['a', 'b'],
              config: { lr: 0.1, nested: { x: 1 } },
              system: { host: 'box' },
            }),
            rowsRecord(2, [
              [0, { loss: 1, acc: 0.1 }],
              [1, { loss: 0.5, acc: 0.2 }],
            ]),
          ],
          { source: { file: '/spool/w1.tsp', offset: 4096 } },
        )
        expect(ack).toEqual({ writerId: 'w1', ackedSeq: 2, applied: 2, points: 4 })
        const r = await store.getRun('r1')
        expect(r).toMatchObject({
          id: 'r1',
          name: 'first',
          project: 'p',
          workspace: 'default',
          status: 'running',
          group: 'g',
          tags: ['a', 'b'],
          config: { lr: 0.1, nested: { x: 1 } },
          summary: { loss: 0.5, acc: 0.2 },
          lastStep: 1,
          createdAt: T0,
          system: { host: 'box' },
        })
        expect(await store.writerState('w1')).toMatchObject({
          writerId: 'w1',
          runId: 'r1',
          workspace: 'default',
          ackedSeq: 2,
          file: '/spool/w1.tsp',
          offset: 4096,
          host: 'h1',
          pid: 1,
        })
        expect(await store.writerState('nobody')).toBeUndefined()
        expect(await store.listProjects()).toEqual([expect.objectContaining({ name: 'p', runs: 1, createdAt: T0 })])
        expect(await store.metricKeys('r1')).toEqual([
          { key: 'acc', count: 2, firstStep: 0, lastStep: 1, lastValue: 0.2 },
          { key: 'loss', count: 2, firstStep: 0, lastStep: 1, lastValue: 0.5 },
        ])
      })

      it('rejects a new writer whose first record is not its run event, or that starts past seq 1', async () => {
        const store = await fresh()
        expect(await codeOf(store.ingest('w1', [seriesRecord(1, 'loss', [0], [1])]))).toBe('spool_format')
        // Starting past seq 1 is a gap: the sender resends from the start (ackedSeq 0).
        const gap = await store.ingest('w1', [seriesRecord(2, 'loss', [0], [1])]).catch((e: unknown) => e)
        expect([(gap as TallyError).code, (gap as TallyError).details]).toEqual(['seq_gap', { ackedSeq: 0 }])
        expect(await store.writerState('w1')).toBeUndefined()
        expect(await store.ingest('w1', [])).toMatchObject({ ackedSeq: 0, applied: 0 })
      })

      it("refuses a new writer's resume: 'never' for a run that exists, and lets 'allow' join it", async () => {
        const store = await fresh()
        await run(store, 'w1', 'r1', [seriesRecord(2, 'loss', [0, 1, 2], [1, 2, 3])])
        expect(await codeOf(store.ingest('w2', [runRecord(1, { id: 'r1', resume: 'never' }, { id: 'w2' })]))).toBe('run_exists')
        expect(await store.writerState('w2')).toBeUndefined()
        await store.ingest('w3', [
          runRecord(1, { id: 'r1', resume: 'allow', resumed: true }, { id: 'w3' }),
          seriesRecord(2, 'loss', [3], [4]),
        ])
        expect(Array.from((await store.readSeries({ runId: 'r1', key: 'loss' })).values)).toEqual([1, 2, 3, 4])
      })

      it('holds records from any client to the limits init and log keep, storing nothing of a refused call', async () => {
        const store = await fresh()
        const bad: [string, SpoolRecord][] = [
          ['a 100,000-character name', runRecord(1, { id: 'r1', name: 'n'.repeat(100_000) })],
          ['a run id with a slash', runRecord(1, { id: 'a/b' })],
          ['tags that are not strings', runRecord(1, { id: 'r1', tags: [1, 2] as unknown as string[] })],
          ['a description object', runRecord(1, { id: 'r1', description: {} as unknown as string })],
          ['a time past what a Date holds', runRecord(1, { id: 'r1', at: 1e300 })],
          ['a time that is text', runRecord(1, { id: 'r1', at: 'now' as unknown as number })],
        ]
        for (const [what, record] of bad) {
          expect([what, await codeOf(store.ingest('w1', [record]))]).toEqual([what, 'spool_format'])
        }
        expect(await store.writerState('w1')).toBeUndefined()
        await store.ingest('w1', [runRecord(1, { id: 'r1' })])
        const later: [string, SpoolRecord][] = [
          ['a NUL in a key', seriesRecord(2, 'bad\u0000key', [0], [1])],
          ['a 10,000-character key', seriesRecord(2, 'k'.repeat(10_000), [0], [1])],
          ['times in nanoseconds', seriesRecord(2, 'x', [0], [1], [1.7e18])],
          ['a meta event with 51 tags', eventRecord(2, { type: 'meta', at: T0, tags: range(0, 51).map(String) })],
          ['a config nested 200 deep', eventRecord(2, { type: 'config', at: T0, config: nested(200) })],
        ]
        for (const [what, record] of later) {
          expect([what, await codeOf(store.ingest('w1', [seriesRecord(2, 'ok', [0], [1]), { ...record, seq: 3 }]))]).toEqual([
            what,
            'spool_format',
          ])
        }
        expect((await store.writerState('w1'))?.ackedSeq).toBe(1)
        expect(await store.metricKeys('r1')).toEqual([])
      })

      it('applies config, summary, result, meta, heartbeat and status events', async () => {
        const store = await fresh()
        await run(
          store,
          'w1',
          'r1',
          [
            seriesRecord(2, 'loss', [0, 1, 2], [3, 2, 1]),
            eventRecord(3, { type: 'config', at: T0 + 10, config: { lr: 0.2, batch: 32 } }),
            eventRecord(4, { type: 'summary', at: T0 + 11, summary: { loss: 0.01, best: 7 } }),
            eventRecord(5, { type: 'result', at: T0 + 12, key: 'best', value: 9 }),
            eventRecord(6, { type: 'meta', at: T0 + 13, name: 'renamed', group: 'g2', tags: ['x'], description: 'about' }),
            eventRecord(7, { type: 'heartbeat', at: T0 + 20 }),
          ],
          { id: 'r1', config: { lr: 0.1, seed: 1 } },
        )
        let r = await store.getRun('r1')
        expect(r).toMatchObject({
          name: 'renamed',
          group: 'g2',
          tags: ['x'],
          description: 'about',
          config: { lr: 0.2, seed: 1, batch: 32 },
          results: { best: 9 },
          // last values, then the explicit summary, then results
          summary: { loss: 0.01, best: 9 },
          status: 'running',
          heartbeatAt: T0 + 20,
          updatedAt: T0 + 13,
        })
        await store.ingest('w1', [eventRecord(8, { type: 'status', at: T0 + 30, status: 'failed', error: 'boom' })])
        r = await store.getRun('r1')
        expect(r).toMatchObject({ status: 'failed', finishedAt: T0 + 30, error: 'boom' })
      })

      it("takes the run's latest end by the writers' clocks, whichever writer's file comes in first", async () => {
        const store = await fresh()
        // The parent finished at T0 + 50; a worker it forked joined at T0 + 5 and never wrote an
        // end (os._exit). Taken afterwards, parent's file first, the run stays finished.
        await run(store, 'w1', 'r1', [eventRecord(2, { type: 'status', at: T0 + 50, status: 'finished' })])
        await store.ingest('w2', [
          runRecord(1, { id: 'r1', resume: 'allow', resumed: true, at: T0 + 5 }, { id: 'w2', pid: 2 }),
          seriesRecord(2, 'child', [0], [1]),
        ])
        expect(await store.getRun('r1')).toMatchObject({ status: 'finished', finishedAt: T0 + 50 })
        // A worker that ended (finished) before the parent failed does not hide the failure.
        await run(store, 'w3', 'r2', [eventRecord(2, { type: 'status', at: T0 + 60, status: 'failed', error: 'boom' })])
        await store.ingest('w4', [
          runRecord(1, { id: 'r2', resume: 'allow', resumed: true, at: T0 + 5 }, { id: 'w4', pid: 4 }),
          eventRecord(2, { type: 'status', at: T0 + 20, status: 'finished' }),
        ])
        expect(await store.getRun('r2')).toMatchObject({ status: 'failed', finishedAt: T0 + 60, error: 'boom' })
      })

      it('lets a resumed run continue its data through a second writer', async () => {
        const store = await fresh()
        await run(
          store,
          'w1',
          'r1',
          [seriesRecord(2, 'loss', range(0, 100), range(0, 100)), eventRecord(3, { type: 'status', at: T0 + 5, status: 'finished' })],
          {
            id: 'r1',
            name: 'orig',
            group: 'g',
            tags: ['t'],
            config: { lr: 0.1 },
          },
        )
        expect((await store.getRun('r1'))?.status).toBe('finished')
        await store.ingest('w2', [
          runRecord(
            1,
            { id: 'r1', name: '', group: null, tags: [], resumed: true, at: T0 + 100, config: { epochs: 3 } },
            { id: 'w2', pid: 2 },
          ),
          seriesRecord(2, 'loss', range(100, 200), range(100, 200)),
        ])
        const r = await store.getRun('r1')
        expect(r).toMatchObject({
          status: 'running',
          finishedAt: null,
          name: 'orig',
          group: 'g',
          tags: ['t'],
          config: { lr: 0.1, epochs: 3 },
          lastStep: 199,
        })
        const s = await store.readSeries({ runId: 'r1', key: 'loss' })
        expect(Array.from(s.steps)).toEqual(range(0, 200))
        expect(Array.from(s.values)).toEqual(range(0, 200))
        expect((await store.listProjects())[0]?.runs).toBe(1)
      })

      it('keeps the later point at the same key and step, within a call, across calls and out of order', async () => {
        const store = await fresh()
        await run(store, 'w1', 'r1', [
          rowsRecord(2, [
            [5, { a: 1 }],
            [3, { a: 2 }],
            [5, { a: 3 }],
          ]),
          rowsRecord(3, [[3, { a: 4 }]]),
        ])
        let s = await store.readSeries({ runId: 'r1', key: 'a' })
        expect(Array.from(s.steps)).toEqual([3, 5])
        expect(Array.from(s.values)).toEqual([4, 3])
        // Across calls, steps before and between the stored ones, and one replaced.
        await store.ingest('w1', [seriesRecord(4, 'a', [4, 0, 5, 9], [40, 0, 50, 90])])
        s = await store.readSeries({ runId: 'r1', key: 'a' })
        expect(Array.from(s.steps)).toEqual([0, 3, 4, 5, 9])
        expect(Array.from(s.values)).toEqual([0, 4, 40, 50, 90])
        const b = await store.readBuckets({ runId: 'r1', key: 'a', buckets: 100 })
        expect(b.width).toBe(1)
        expect(Array.from(b.buckets.value)).toEqual([0, 4, 40, 50, 90])
        expect(Array.from(b.buckets.count)).toEqual([1, 1, 1, 1, 1])
        expect(await store.metricKeys('r1')).toEqual([{ key: 'a', count: 5, firstStep: 0, lastStep: 9, lastValue: 90 }])
        expect((await store.getRun('r1'))?.summary).toEqual({ a: 90 })
      })

      it('rewrites long series across chunk boundaries', async () => {
        const store = await fresh()
        await run(store, 'w1', 'r1', [
          seriesRecord(
            2,
            'x',
            range(0, 5000).map((s) => s * 2),
            range(0, 5000),
          ),
        ])
        // Fill every gap of one stretch, replace the points around it, and add a few at the end.
        const steps = [...range(1500, 3500), 10_001, 10_003]
        await store.ingest('w1', [
          seriesRecord(
            3,
            'x',
            steps,
            steps.map((s) => -s),
          ),
        ])
        const s = await store.readSeries({ runId: 'r1', key: 'x' })
        const expected = new Map<number, number>()
        for (const i of range(0, 5000)) expected.set(i * 2, i)
        for (const st of steps) expected.set(st, -st)
        const sorted = [...expected.keys()].sort((a, b) => a - b)
        expect(Array.from(s.steps)).toEqual(sorted)
        expect(Array.from(s.values)).toEqual(sorted.map((k) => expected.get(k)))
        const keys = await store.metricKeys('r1')
        expect(keys[0]).toMatchObject({ count: sorted.length, lastStep: 10_003, lastValue: -10_003 })
        const b = await store.readBuckets({ runId: 'r1', key: 'x', buckets: 300 })
        expect(bucketRows(b.buckets)).toEqual(bruteBuckets(s.steps, s.values, b.width, 0, 10_003))
      })

      it('round-trips NaN and infinities through points, summaries, config and results', async () => {
        const store = await fresh()
        const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1, Number.NaN]
        await run(
          store,
          'w1',
          'r1',
          [
            seriesRecord(2, 'v', range(0, 5), values),
            eventRecord(3, { type: 'result', at: T0, key: 'inf', value: Number.POSITIVE_INFINITY }),
            eventRecord(4, { type: 'summary', at: T0, summary: { neg: Number.NEGATIVE_INFINITY } }),
          ],
          { id: 'r1', config: { nan: Number.NaN } },
        )
        const s = await store.readSeries({ runId: 'r1', key: 'v' })
        for (const [i, v] of values.entries()) expect(Object.is(s.values[i], v)).toBe(true)
        const r = await store.getRun('r1')
        expect(Object.is(r?.config.nan, Number.NaN)).toBe(true)
        expect(Object.is(r?.summary.v, Number.NaN)).toBe(true)
        expect(r?.summary.neg).toBe(Number.NEGATIVE_INFINITY)
        expect(r?.results.inf).toBe(Number.POSITIVE_INFINITY)
        expect(Object.is((await store.metricKeys('r1'))[0]?.lastValue, Number.NaN)).toBe(true)
        const b = await store.readBuckets({ runId: 'r1', key: 'v', buckets: 3 })
        expect(b.width).toBe(2)
        expect(bucketRows(b.buckets)).toEqual([
          { first: 0, last: 1, min: Number.POSITIVE_INFINITY, max: Number.POSITIVE_INFINITY, value: Number.POSITIVE_INFINITY, count: 2 },
          { first: 2, last: 3, min: Number.NEGATIVE_INFINITY, max: 1, value: 1, count: 2 },
          { first: 4, last: 4, min: Number.NaN, max: Number.NaN, value: Number.NaN, count: 1 },
        ])
        expect(Object.is(b.buckets.min[2], Number.NaN)).toBe(true)
      })

      it('is idempotent: replays and overlapping ranges change nothing', async () => {
        const store = await fresh()
        const records = [
          runRecord(1, { id: 'r1' }),
          seriesRecord(2, 'x', range(0, 10), range(0, 10)),
          eventRecord(3, { type: 'config', at: T0, config: { a: 1 } }),
          seriesRecord(4, 'x', range(10, 20), range(10, 20)),
          seriesRecord(5, 'x', [3], [333]),
        ]
        await store.ingest('w1', records.slice(0, 3))
        const before = { run: await store.getRun('r1'), points: await store.readSeries({ runId: 'r1', key: 'x' }) }
        expect(await store.ingest('w1', records.slice(0, 3))).toEqual({ writerId: 'w1', ackedSeq: 3, applied: 0, points: 0 })
        expect(await store.getRun('r1')).toEqual(before.run)
        const overlap = await store.ingest('w1', records.slice(1))
        expect(overlap).toMatchObject({ ackedSeq: 5, applied: 2, points: 11 })
        const after = await store.readSeries({ runId: 'r1', key: 'x' })
        expect(await store.ingest('w1', records)).toMatchObject({ ackedSeq: 5, applied: 0 })
        const again = await store.readSeries({ runId: 'r1', key: 'x' })
        expect(Array.from(again.steps)).toEqual(range(0, 20))
        expect(Array.from(again.values)).toEqual(Array.from(after.values))
        expect(again.values[3]).toBe(333)
        expect(again.cursor).toBe(after.cursor)
        expect((await store.metricKeys('r1'))[0]?.count).toBe(20)
      })

      it('skips acknowledged records in a call that also brings new ones', async () => {
        const store = await fresh()
        await run(store, 'w1', 'r1', [seriesRecord(2, 'x', [0, 1], [0, 1])])
        // The same records again in one call, with new ones after them.
        const ack = await store.ingest('w1', [seriesRecord(2, 'x', [0, 1], [5, 5]), seriesRecord(3, 'x', [2], [2])])
        expect(ack).toMatchObject({ ackedSeq: 3, applied: 1, points: 1 })
        expect(Array.from((await store.readSeries({ runId: 'r1', key: 'x' })).values)).toEqual([0, 1, 2])
      })
    })

    describe('point metadata', () => {
      it('keeps metadata by key and step, the later winning, and reads it by key and range', async () => {
        const store = await fresh()
        await run(store, 'w1', 'r1', [
          rowsRecord(2, [[0, { a: 1, b: 2 }]]),
          eventRecord(3, { type: 'metadata', at: T0, step: 0, keys: ['a', 'b'], metadata: { note: 'x', nan: Number.NaN } }),
          eventRecord(4, { type: 'metadata', at: T0, step: 5, keys: ['a'], metadata: { note: 'y' } }),
        ])
        await store.ingest('w1', [eventRecord(5, { type: 'metadata', at: T0, step: 0, keys: ['a'], metadata: { note: 'z' } })])
        expect(await store.readMetadata({ runId: 'r1' })).toEqual([
          { key: 'a', step: 0, metadata: { note: 'z' } },
          { key: 'a', step: 5, metadata: { note: 'y' } },
          { key: 'b', step: 0, metadata: { note: 'x', nan: Number.NaN } },
        ])
        expect(await store.readMetadata({ runId: 'r1', key: 'a', from: 1 })).toEqual([{ key: 'a', step: 5, metadata: { note: 'y' } }])
        expect(await store.readMetadata({ runId: 'r1', limit: 1 })).toHaveLength(1)
        expect(await codeOf(store.readMetadata({ runId: 'nope' }))).toBe('not_found')
        expect(await codeOf(store.readMetadata({ runId: 'r1', limit: 0 }))).toBe('invalid_query')
        // Over 10 KB as JSON: refused like any record beyond the SDK's limits, nothing of the call kept.
        const big = eventRecord(6, { type: 'metadata', at: T0, step: 1, keys: ['a'], metadata: { blob: 'x'.repeat(11_000) } })
        expect(await codeOf(store.ingest('w1', [big]))).toBe('spool_format')
        expect((await store.writerState('w1'))?.ackedSeq).toBe(5)
        await store.deleteRun('r1')
        expect(await codeOf(store.readMetadata({ runId: 'r1' }))).toBe('not_found')
      })
    })

    describe('series reads', () => {
      it('downsamples a 1M-point series exactly like brute force, spike included', async () => {
        const store = await fresh()
        const n = 1_000_000
        const spikeAt = 654_321
        const steps = new Float64Array(n)
        const values = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          steps[i] = i
          values[i] = Math.sin(i / 1000) + (i % 17) / 100
        }
        values[spikeAt] = 1e6
        values[123] = Number.NaN
        const records: SpoolRecord[] = [runRecord(1, { id: 'r1' })]
        for (let a = 0, seq = 2; a < n; a += 50_000, seq++)
          records.push(seriesRecord(seq, 'm', steps.subarray(a, a + 50_000), values.subarray(a, a + 50_000)))
        expect((await store.ingest('w1', records)).points).toBe(n)

        const b = await store.readBuckets({ runId: 'r1', key: 'm', buckets: 1000 })
        expect(b.width).toBe(1024)
        expect(bucketRows(b.buckets)).toEqual(bruteBuckets(steps, values, 1024, 0, n - 1))
        expect(Math.max(...b.buckets.max)).toBe(1e6)
        expect(b.buckets.count.reduce((a, c) => a + c, 0)).toBe(n)
        // Ranges that cut through chunks and buckets, and widths below the chunk size.
        for (const [buckets, from, to] of [
          [777, 1000, 900_000],
          [2000, 0, n - 1],
          [100, spikeAt - 500, spikeAt + 500],
          [1, 5, n + 5],
        ] as [number, number, number][]) {
          const got = await store.readBuckets({ runId: 'r1', key: 'm', buckets, from, to })
          expect(got.width).toBe(bucketWidth(from, to, buckets))
          expect(got.buckets.count.length).toBeLessThanOrEqual(buckets)
          expect(bucketRows(got.buckets)).toEqual(bruteBuckets(steps, values, got.width, from, to))
        }
        const raw = await store.readSeries({ runId: 'r1', key: 'm', from: 500_000, to: 509_999 })
        expect(raw.steps.length).toBe(10_000)
        expect(raw.steps[0]).toBe(500_000)
        expect(Array.from(raw.values)).toEqual(Array.from(values.subarray(500_000, 510_000)))
      })

      it('reads raw points within from/to, inclusive', async () => {
        const store = await fresh()
        const steps = range(0, 3000).map((s) => s * 3)
        await run(store, 'w1', 'r1', [
          seriesRecord(
            2,
            'x',
            steps,
            steps.map((s) => s / 3),
            steps.map((s) => T0 + s * 10),
          ),
        ])
        const s = await store.readSeries({ runId: 'r1', key: 'x', from: 3000, to: 3009 })
        expect(Array.from(s.steps)).toEqual([3000, 3003, 3006, 3009])
        expect(Array.from(s.values)).toEqual([1000, 1001, 1002, 1003])
        expect(Array.from(s.times)).toEqual([3000, 3003, 3006, 3009].map((x) => T0 + x * 10))
        expect((await store.readSeries({ runId: 'r1', key: 'x', from: 8994 })).steps.length).toBe(2)
        expect((await store.readSeries({ runId: 'r1', key: 'x', to: 2 })).steps.length).toBe(1)
        expect((await store.readSeries({ runId: 'r1', key: 'x', from: 1, to: 2 })).steps.length).toBe(0)
        expect((await store.readSeries({ runId: 'r1', key: 'x', from: 10_000, to: 20_000 })).steps.length).toBe(0)
        const b = await store.readBuckets({ runId: 'r1', key: 'x', buckets: 2, from: 3000, to: 3009 })
        expect(b.width).toBe(8)
        expect(bucketRows(b.buckets)).toEqual([
          { first: 3000, last: 3006, min: 1000, max: 1002, value: 1002, count: 3 },
          { first: 3009, last: 3009, min: 1003, max: 1003, value: 1003, count: 1 },
        ])
      })

      it('gives each bucket the wall time of its last point, from chunk stats and decoded chunks alike', async () => {
        const store = await fresh()
        // Irregular times, so a time taken from the wrong point shows.
        const timeOf = (s: number): number => T0 + s * 10 + (s % 7)
        const steps = range(0, 5000)
        await run(store, 'w1', 'r1', [seriesRecord(2, 'x', steps, steps, steps.map(timeOf))])
        const times = (b: { buckets: { last: Float64Array; time: Float64Array } }): [number[], number[]] => [
          Array.from(b.buckets.time),
          Array.from(b.buckets.last, timeOf),
        ]
        // Whole chunks inside wide buckets (answered from stats), then buckets narrower than a chunk (decoded).
        for (const [buckets, from, to] of [
          [2, undefined, undefined],
          [5, 0, 4999],
          [300, undefined, undefined],
          [7, 1234, 4321],
        ] as [number, number | undefined, number | undefined][]) {
          const got = await store.readBuckets({ runId: 'r1', key: 'x', buckets, from, to })
          const [time, expected] = times(got)
          expect(time).toEqual(expected)
        }
        // The tail chunk, extended by a later record, carries its new last time.
        await store.ingest('w1', [seriesRecord(3, 'x', range(5000, 5100), range(5000, 5100), range(5000, 5100).map(timeOf))])
        const [time, expected] = times(await store.readBuckets({ runId: 'r1', key: 'x', buckets: 1 }))
        expect(time).toEqual(expected)
        expect(time).toEqual([timeOf(5099)])
      })

      it('returns only new points after a since cursor, and everything with reset after a rewrite', async () => {
        const store = await fresh()
        await run(store, 'w1', 'r1', [seriesRecord(2, 'x', range(0, 10), range(0, 10))])
        const first = await store.readSeries({ runId: 'r1', key: 'x' })
        expect(first.reset).toBe(false)
        expect(first.steps.length).toBe(10)
        const none = await store.readSeries({ runId: 'r1', key: 'x', since: first.cursor })
        expect(none.steps.length).toBe(0)
        expect(none.reset).toBe(false)

        await store.ingest('w1', [seriesRecord(3, 'x', range(10, 2000), range(10, 2000))])
        const delta = await store.readSeries({ runId: 'r1', key: 'x', since: none.cursor })
        expect(delta.reset).toBe(false)
        expect(Array.from(delta.steps)).toEqual(range(10, 2000))

        // A resumed run re-logs from step 5: the reader must start over.
        await store.ingest('w1', [seriesRecord(4, 'x', range(5, 8), [-1, -1, -1])])
        const reset = await store.readSeries({ runId: 'r1', key: 'x', since: delta.cursor })
        expect(reset.reset).toBe(true)
        expect(reset.steps.length).toBe(2000)
        expect(Array.from(reset.values.subarray(4, 9))).toEqual([4, -1, -1, -1, 8])
        const after = await store.readSeries({ runId: 'r1', key: 'x', since: reset.cursor })
        expect(after).toMatchObject({ reset: false })
        expect(after.steps.length).toBe(0)
        // A reset respects from/to.
        const windowed = await store.readSeries({ runId: 'r1', key: 'x', since: delta.cursor, from: 100, to: 199 })
        expect(windowed.reset).toBe(true)
        expect(windowed.steps.length).toBe(100)

        for (const bad of ['', 'nonsense', 'r1s', 'r-1s5', `r1s${'9'.repeat(30)}`]) {
          expect(await codeOf(store.readSeries({ runId: 'r1', key: 'x', since: bad }))).toBe('invalid_cursor')
        }
      })

      it('answers not_found for unknown runs and keys, invalid_query for bad ranges and bucket counts', async () => {
        const store = await fresh()
        await run(store, 'w1', 'r1', [seriesRecord(2, 'x', [0, 1], [0, 1])])
        expect(await codeOf(store.readSeries({ runId: 'nope', key: 'x' }))).toBe('not_found')
        expect(await codeOf(store.readSeries({ runId: 'r1', key: 'nope' }))).toBe('not_found')
        expect(await codeOf(store.readBuckets({ runId: 'r1', key: 'nope', buckets: 10 }))).toBe('not_found')
        expect(await codeOf(store.metricKeys('nope'))).toBe('not_found')
        expect(await store.getRun('nope')).toBeUndefined()
        for (const buckets of [0, -1, 100_001, 1.5, Number.NaN]) {
          expect(await codeOf(store.readBuckets({ runId: 'r1', key: 'x', buckets }))).toBe('invalid_query')
        }
        expect(await codeOf(store.readBuckets({ runId: 'r1', key: 'x', buckets: 10, from: 5, to: 4 }))).toBe('invalid_query')
        expect(await codeOf(store.readSeries({ runId: 'r1', key: 'x', from: 5, to: 4 }))).toBe('invalid_query')
        for (const bad of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
          expect(await codeOf(store.readSeries({ runId: 'r1', key: 'x', from: bad }))).toBe('invalid_query')
          expect(await codeOf(store.readBuckets({ runId: 'r1', key: 'x', buckets: 10, to: bad }))).toBe('invalid_query')
        }
        expect((await store.readBuckets({ runId: 'r1', key: 'x', buckets: 100_000 })).buckets.count.length).toBe(2)
      })

      it('exports every point, run by run in creation order and key by key', async () => {
        const store = await fresh()
        await store.ingest('w2', [runRecord(1, { id: 'late', createdAt: T0 + 5 }, { id: 'w2' }), rowsRecord(2, [[0, { b: 1, a: 2 }]])])
        await store.ingest('w1', [runRecord(1, { id: 'early', createdAt: T0 }), seriesRecord(2, 'z', range(0, 100_000), range(0, 100_000))])
        await store.ingest('w3', [runRecord(1, { id: 'other', project: 'q' }, { id: 'w3' }), rowsRecord(2, [[0, { c: 1 }]])])
        const got: { runId: string; key: string; n: number; first: number; last: number }[] = []
        let total = 0
        for await (const c of store.exportPoints('p')) {
          total += c.steps.length
          got.push({ runId: c.runId, key: c.key, n: c.steps.length, first: c.steps[0] as number, last: c.steps.at(-1) as number })
          expect(c.values.length).toBe(c.steps.length)
          expect(c.times.length).toBe(c.steps.length)
        }
        expect(total).toBe(100_002)
        expect(got.map((g) => `${g.runId}/${g.key}`).filter((v, i, a) => a.indexOf(v) === i)).toEqual(['early/z', 'late/a', 'late/b'])
        const z = got.filter((g) => g.key === 'z')
        expect(z[0]?.first).toBe(0)
        expect(z.at(-1)?.last).toBe(99_999)
        const none = []
        for await (const c of store.exportPoints('absent')) none.push(c)
        expect(none).toEqual([])
      })
    })

    describe('runs', () => {
      async function seedRuns(store: Store): Promise<void> {
        const runs: {
          id: string
          name: string
          group: string | null
          tags: string[]
          config: { [key: string]: JsonValue }
          loss: number
        }[] = [
          { id: 'a', name: 'Alpha-one', group: 'g1', tags: ['base'], config: { lr: 0.1, opt: { name: 'adam' } }, loss: 0.5 },
          { id: 'b', name: 'beta-two', group: 'g1', tags: ['base', 'wide'], config: { lr: 0.01, opt: { name: 'sgd' } }, loss: 0.2 },
          { id: 'c', name: 'gamma', group: 'g2', tags: [], config: { lr: 0.001, flag: true }, loss: 0.9 },
          { id: 'd', name: 'delta-ONE', group: null, tags: ['wide'], config: {}, loss: Number.NaN },
        ]
        for (const [i, r] of runs.entries()) {
          await store.ingest(`w-${r.id}`, [
            runRecord(
              1,
              { id: r.id, name: r.name, group: r.group, tags: r.tags, config: r.config, createdAt: T0 + i, at: T0 + i },
              { id: `w-${r.id}` },
            ),
            seriesRecord(2, 'loss', [0], [r.loss], [T0 + i]),
          ])
        }
        await store.ingest('w-c', [eventRecord(3, { type: 'status', at: T0 + 10, status: 'finished' })])
      }

      it('reads config paths as object keys only, a number among them too', async () => {
        const store = await fresh()
        await store.ingest('w1', [runRecord(1, { id: 'r1', config: { layers: [64, 32], m: { '0': 5 } } })])
        const where = (field: string, value: number) => store.listRuns({ project: 'p', where: [{ field, op: '=', value }] })
        expect(ids(await where('config.layers.0', 64))).toEqual([])
        expect(ids(await where('config.m.0', 5))).toEqual(['r1'])
      })

      it('filters by status, group, tag, search and where conditions', async () => {
        const store = await fresh()
        await seedRuns(store)
        expect(ids(await store.listRuns({ project: 'p' }))).toEqual(['d', 'c', 'b', 'a'])
        expect(ids(await store.listRuns({ project: 'p', status: 'finished' }))).toEqual(['c'])
        expect(ids(await store.listRuns({ project: 'p', status: 'running' }))).toEqual(['d', 'b', 'a'])
        expect(ids(await store.listRuns({ project: 'p', group: 'g1' }))).toEqual(['b', 'a'])
        expect(ids(await store.listRuns({ project: 'p', tag: 'wide' }))).toEqual(['d', 'b'])
        expect(ids(await store.listRuns({ project: 'p', search: 'one' }))).toEqual(['d', 'a'])
        expect(ids(await store.listRuns({ project: 'p', where: [{ field: 'config.lr', op: '<', value: 0.05 }] }))).toEqual(['c', 'b'])
        expect(ids(await store.listRuns({ project: 'p', where: [{ field: 'config.opt.name', op: '=', value: 'adam' }] }))).toEqual(['a'])
        expect(ids(await store.listRuns({ project: 'p', where: [{ field: 'config.flag', op: '=', value: true }] }))).toEqual(['c'])
        expect(ids(await store.listRuns({ project: 'p', where: [{ field: 'config.lr', op: '=', value: null }] }))).toEqual(['d'])
        expect(ids(await store.listRuns({ project: 'p', where: [{ field: 'config.lr', op: '!=', value: 0.1 }] }))).toEqual(['d', 'c', 'b'])
        expect(ids(await store.listRuns({ project: 'p', where: [{ field: 'summary.loss', op: '<=', value: 0.5 }] }))).toEqual(['b', 'a'])
        expect(
          ids(
            await store.listRuns({
              project: 'p',
              where: [
                { field: 'name', op: '!=', value: 'gamma' },
                { field: 'createdAt', op: '>=', value: T0 + 1 },
                { field: 'group', op: '=', value: 'g1' },
              ],
            }),
          ),
        ).toEqual(['b'])
        expect(ids(await store.listRuns({ project: 'p', where: [{ field: 'status', op: '=', value: 'finished' }] }))).toEqual(['c'])
        expect(await store.listRuns({ project: 'absent' })).toEqual({ runs: [], total: 0, offset: 0, limit: 100 })
      })

      it('sorts and pages', async () => {
        const store = await fresh()
        await seedRuns(store)
        expect(ids(await store.listRuns({ project: 'p', sort: 'createdAt', order: 'asc' }))).toEqual(['a', 'b', 'c', 'd'])
        expect(ids(await store.listRuns({ project: 'p', sort: 'name' }))).toEqual(['a', 'b', 'd', 'c'])
        expect(ids(await store.listRuns({ project: 'p', sort: 'config.lr', order: 'asc' }))).toEqual(['c', 'b', 'a', 'd'])
        expect(ids(await store.listRuns({ project: 'p', sort: 'config.lr', order: 'desc' }))).toEqual(['a', 'b', 'c', 'd'])
        expect(
          ids(
            await store.listRuns({
              project: 'p',
              sort: 'summary.loss',
              order: 'asc',
              where: [{ field: 'summary.loss', op: '<', value: 10 }],
            }),
          ),
        ).toEqual(['b', 'a', 'c'])
        expect(ids(await store.listRuns({ project: 'p', sort: 'status', order: 'asc' }))[0]).toBe('c')
        expect(ids(await store.listRuns({ project: 'p', sort: 'updatedAt' }))[0]).toBe('c')
        const page = await store.listRuns({ project: 'p', sort: 'createdAt', order: 'asc', limit: 2, offset: 1 })
        expect(page).toMatchObject({ total: 4, offset: 1, limit: 2 })
        expect(ids(page)).toEqual(['b', 'c'])
        expect((await store.listRuns({ project: 'p', limit: 2, offset: 10 })).runs).toEqual([])
      })

      it('rejects bad queries with invalid_query', async () => {
        const store = await fresh()
        await seedRuns(store)
        const bad = [
          { limit: 0 },
          { limit: 1001 },
          { limit: 2.5 },
          { offset: -1 },
          { sort: 'bogus' },
          { sort: 'constructor' },
          { where: [{ field: 'toString', op: '=', value: 1 }] },
          { sort: 'config.' },
          { sort: 'config.a..b' },
          { sort: 'config.a"b' },
          { order: 'up' },
          { status: 'sleeping' },
          { where: [{ field: 'password', op: '=', value: 1 }] },
          { where: [{ field: 'config.lr', op: 'LIKE', value: 1 }] },
          { where: [{ field: 'config.lr', op: '<', value: null }] },
          { where: [{ field: 'config.lr', op: '<', value: { a: 1 } }] },
          { where: [{ field: 'createdAt', op: '<', value: 'yesterday' }] },
          // name, status and group compare with text only, alike on every backend.
          { where: [{ field: 'name', op: '=', value: 5 }] },
          { where: [{ field: 'status', op: '!=', value: 0 }] },
          { where: [{ field: 'group', op: '<', value: true }] },
        ]
        for (const q of bad) {
          expect(await codeOf(store.listRuns({ project: 'p', ...(q as object) })), JSON.stringify(q)).toBe('invalid_query')
        }
        const notText = await store.listRuns({ project: 'p', where: [{ field: 'name', op: '=', value: 5 }] }).catch((e: unknown) => e)
        expect(notText).toMatchObject({ message: expect.stringMatching(/name is compared with text.*"5"/) })
      })

      it('reads a running run as crashed when none of its writers is alive', async () => {
        const store = await fresh({ staleAfterMs: 30_000 })
        await run(store, 'w1', 'r1', [eventRecord(2, { type: 'heartbeat', at: T0 + 1000 })])
        expect((await store.getRun('r1'))?.status).toBe('running')
        clock = T0 + 1000 + 30_001
        expect((await store.getRun('r1'))?.status).toBe('crashed')
        expect(ids(await store.listRuns({ project: 'p', status: 'crashed' }))).toEqual(['r1'])
        expect(ids(await store.listRuns({ project: 'p', status: 'running' }))).toEqual([])
        expect((await store.listRuns({ project: 'p' })).runs[0]?.status).toBe('crashed')
        // A second writer of the same run that is alive keeps it running.
        await store.ingest('w2', [runRecord(1, { id: 'r1', at: clock }, { id: 'w2' })])
        expect((await store.getRun('r1'))?.status).toBe('running')
        // Finished runs stay finished however old.
        await store.ingest('w2', [eventRecord(2, { type: 'status', at: clock, status: 'finished' })])
        clock += 1e9
        expect((await store.getRun('r1'))?.status).toBe('finished')
      })

      it("goes by the server's receipt time, not the client's clock, when the records say when they arrived", async () => {
        const store = await fresh()
        const hourAgo = clock - 3_600_000
        // A client whose clock runs an hour behind: by its own times it is long silent.
        await store.ingest('skewed', [runRecord(1, { id: 'skewed', at: hourAgo }, { id: 'skewed' })], { receivedAt: clock })
        await store.ingest('plain', [runRecord(1, { id: 'plain', at: hourAgo }, { id: 'plain' })])
        expect((await store.getRun('skewed'))?.status).toBe('running')
        expect((await store.getRun('skewed'))?.heartbeatAt).toBe(clock)
        expect((await store.getRun('plain'))?.status).toBe('crashed')
        clock += 30_001
        expect((await store.getRun('skewed'))?.status).toBe('crashed')
        await store.ingest('skewed', [eventRecord(2, { type: 'heartbeat', at: hourAgo + 30_001 })], { receivedAt: clock })
        expect((await store.getRun('skewed'))?.status).toBe('running')
      })

      it('reads a local run as crashed when its process is gone', async () => {
        const store = await fresh({ hostname: 'here' })
        const exited = spawnSync(process.execPath, ['-e', ''])
        const deadPid = exited.pid as number
        await store.ingest('dead', [runRecord(1, { id: 'dead', at: clock }, { id: 'dead', host: 'here', pid: deadPid })])
        await store.ingest('live', [runRecord(1, { id: 'live', at: clock }, { id: 'live', host: 'here', pid: process.pid })])
        await store.ingest('remote', [runRecord(1, { id: 'remote', at: clock }, { id: 'remote', host: 'elsewhere', pid: deadPid })])
        expect((await store.getRun('dead'))?.status).toBe('crashed')
        expect((await store.getRun('live'))?.status).toBe('running')
        // On another host the pid cannot be checked; only the heartbeat counts.
        expect((await store.getRun('remote'))?.status).toBe('running')
        expect(ids(await store.listRuns({ project: 'p', status: 'crashed' }))).toEqual(['dead'])
      })
    })

    describe('sequence gaps', () => {
      it('refuses records past acknowledged + 1 with seq_gap naming the acknowledged seq, applying nothing', async () => {
        const store = await fresh()
        await run(store, 'w1', 'r1', [seriesRecord(2, 'x', [0], [0])])
        const gap = await store.ingest('w1', [seriesRecord(4, 'x', [2], [2])]).catch((e: unknown) => e)
        expect(gap).toBeInstanceOf(TallyError)
        expect((gap as TallyError).code).toBe('seq_gap')
        expect((gap as TallyError).details).toEqual({ ackedSeq: 2 })
        // A gap inside one call: the records before it are not applied either.
        expect(await codeOf(store.ingest('w1', [seriesRecord(3, 'x', [1], [1]), seriesRecord(5, 'x', [3], [3])]))).toBe('seq_gap')
        expect((await store.writerState('w1'))?.ackedSeq).toBe(2)
        expect(Array.from((await store.readSeries({ runId: 'r1', key: 'x' })).steps)).toEqual([0])
        // Resent from the acknowledged seq, everything lands.
        const ack = await store.ingest('w1', [seriesRecord(3, 'x', [1], [1]), seriesRecord(4, 'x', [2], [2])])
        expect(ack).toMatchObject({ ackedSeq: 4, applied: 2, points: 2 })
      })
    })

    describe('workspaces', () => {
      it('always has default, creates others once, and checks names', async () => {
        const store = await fresh()
        expect((await store.listWorkspaces()).map((w) => w.name)).toEqual(['default'])
        expect(await store.createWorkspace('team-a')).toEqual({ name: 'team-a', createdAt: clock })
        expect(await codeOf(store.createWorkspace('team-a'))).toBe('already_exists')
        for (const bad of ['', 'a/b', '..', 'has space', 'x'.repeat(256), 'é']) {
          expect(await codeOf(store.createWorkspace(bad))).toBe('invalid_name')
        }
        expect((await store.listWorkspaces()).map((w) => w.name)).toEqual(['default', 'team-a'])
      })

      it('keeps each workspace to its own projects, runs and writers', async () => {
        const store = await fresh()
        await store.createWorkspace('team-a')
        expect(await codeOf(store.ingest('w1', [runRecord(1, { id: 'r1' })], { workspace: 'nope' }))).toBe('not_found')
        await store.ingest('w1', [runRecord(1, { id: 'r1' }), seriesRecord(2, 'x', [0, 1], [1, 2])], { workspace: 'team-a' })
        await store.ingest('w2', [runRecord(1, { id: 'r2' }, { id: 'w2' })])
        expect((await store.listProjects('team-a')).map((p) => [p.workspace, p.name, p.runs])).toEqual([['team-a', 'p', 1]])
        expect((await store.listProjects()).map((p) => [p.workspace, p.name, p.runs])).toEqual([['default', 'p', 1]])
        expect(await store.listProjects('nope')).toEqual([])
        expect((await store.getRun('r1'))?.workspace).toBe('team-a')
        expect((await store.writerState('w1'))?.workspace).toBe('team-a')
        expect(ids(await store.listRuns({ project: 'p', workspace: 'team-a' }))).toEqual(['r1'])
        expect(ids(await store.listRuns({ project: 'p' }))).toEqual(['r2'])
        // A writer of team-a sending into default, and a run id of team-a claimed from default.
        expect(await codeOf(store.ingest('w1', [seriesRecord(3, 'x', [2], [3])]))).toBe('not_found')
        expect(await codeOf(store.ingest('w3', [runRecord(1, { id: 'r1' }, { id: 'w3' })]))).toBe('run_exists')
        expect((await store.writerState('w1'))?.ackedSeq).toBe(2)
        const exported = async (workspace?: string): Promise<string[]> => {
          const out: string[] = []
          for await (const c of store.exportPoints('p', workspace)) out.push(`${c.runId}/${c.key}/${c.steps.length}`)
          return out
        }
        expect(await exported('team-a')).toEqual(['r1/x/2'])
        expect(await exported()).toEqual([])
      })

      it('finds runs by exact name', async () => {
        const store = await fresh()
        await store.ingest('w1', [runRecord(1, { id: 'r1', name: 'base' })])
        await store.ingest('w2', [runRecord(1, { id: 'r2', name: 'base-2' }, { id: 'w2' })])
        expect(ids(await store.listRuns({ project: 'p', name: 'base' }))).toEqual(['r1'])
      })
    })

    describe('run updates and deletion', () => {
      it('updates descriptive fields and sets an end state by hand', async () => {
        const store = await fresh()
        await store.ingest('w1', [runRecord(1, { id: 'r1', name: 'old', group: 'g', tags: ['a'], at: clock })])
        clock += 5
        const updated = await store.updateRun('r1', { name: 'new', group: null, tags: ['b', 'c'], description: 'why' })
        expect(updated).toMatchObject({ id: 'r1', name: 'new', group: null, tags: ['b', 'c'], description: 'why', status: 'running' })
        expect(updated.updatedAt).toBe(clock)
        // The writer is alive, yet a status set by hand stands.
        const failed = await store.updateRun('r1', { status: 'failed' })
        expect(failed).toMatchObject({ status: 'failed', finishedAt: clock, name: 'new' })
        expect(ids(await store.listRuns({ project: 'p', status: 'failed' }))).toEqual(['r1'])
        expect(await store.getRun('r1')).toEqual(failed)
      })

      it('checks updates as init checks its options', async () => {
        const store = await fresh()
        await store.ingest('w1', [runRecord(1, { id: 'r1' })])
        expect(await codeOf(store.updateRun('r1', { name: '' }))).toBe('invalid_name')
        expect(await codeOf(store.updateRun('r1', { name: 'x'.repeat(256) }))).toBe('invalid_name')
        expect(await codeOf(store.updateRun('r1', { description: 'x'.repeat(1001) }))).toBe('invalid_name')
        expect(await codeOf(store.updateRun('r1', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }))).toBe('invalid_tags')
        expect(await codeOf(store.updateRun('r1', { status: 'running' as 'finished' }))).toBe('invalid_argument')
        expect(await codeOf(store.updateRun('nope', { name: 'x' }))).toBe('not_found')
        expect((await store.getRun('r1'))?.name).toBe('r1')
      })

      it('deletes a run with its series, and drops its writers’ late records', async () => {
        const store = await fresh()
        await run(store, 'w1', 'r1', [seriesRecord(2, 'x', range(0, 5000), range(0, 5000))])
        await store.ingest('w2', [runRecord(1, { id: 'r2' }, { id: 'w2' }), seriesRecord(2, 'x', [0], [7])])
        await store.deleteRun('r1')
        expect(await store.getRun('r1')).toBeUndefined()
        expect(ids(await store.listRuns({ project: 'p' }))).toEqual(['r2'])
        expect(await codeOf(store.metricKeys('r1'))).toBe('not_found')
        expect(await codeOf(store.readSeries({ runId: 'r1', key: 'x' }))).toBe('not_found')
        expect(await codeOf(store.deleteRun('r1'))).toBe('not_found')
        // Late records of its own writer are acknowledged and dropped; a new writer of the same
        // run id (a run started again with that id) is refused, not dropped in silence.
        expect(await store.ingest('w1', [seriesRecord(3, 'x', [5000], [1])])).toEqual({
          writerId: 'w1',
          ackedSeq: 3,
          applied: 1,
          points: 0,
        })
        expect(await codeOf(store.ingest('w1', [seriesRecord(5, 'x', [5001], [1])]))).toBe('seq_gap')
        const again = store.ingest('w3', [runRecord(1, { id: 'r1' }, { id: 'w3' }), seriesRecord(2, 'x', [0], [1])])
        expect(await codeOf(again)).toBe('run_exists')
        expect(await store.writerState('w3')).toBeUndefined()
        expect(await store.getRun('r1')).toBeUndefined()
        expect(Array.from((await store.readSeries({ runId: 'r2', key: 'x' })).values)).toEqual([7])
        expect((await store.listProjects())[0]?.runs).toBe(1)
      })
    })

    describe('API keys', () => {
      const key = (id: string, workspace = 'default', role: 'owner' | 'writer' | 'viewer' = 'writer') => ({
        id,
        workspace,
        role,
        hash: id.padEnd(64, '0').replace(/[^0-9a-f]/g, 'a'),
        prefix: `tally_sk_${id}`,
        name: `key ${id}`,
      })

      it('stores hashes, finds live keys by hash, lists and revokes', async () => {
        const store = await fresh()
        await store.createWorkspace('team')
        const k1 = await store.createKey(key('k1'))
        expect(k1).toEqual({
          id: 'k1',
          workspace: 'default',
          role: 'writer',
          prefix: 'tally_sk_k1',
          name: 'key k1',
          createdAt: clock,
          revokedAt: null,
        })
        clock += 1
        await store.createKey(key('k2', 'team', 'viewer'))
        expect(await store.keyByHash(key('k1').hash)).toEqual(k1)
        expect(await store.keyByHash('f'.repeat(64))).toBeUndefined()
        expect((await store.listKeys()).map((k) => k.id)).toEqual(['k2', 'k1'])
        expect((await store.listKeys('team')).map((k) => k.id)).toEqual(['k2'])
        clock += 1
        await store.revokeKey('k1')
        await store.revokeKey('k1')
        expect(await store.keyByHash(key('k1').hash)).toBeUndefined()
        expect((await store.listKeys('default'))[0]).toMatchObject({ id: 'k1', revokedAt: clock })
        expect(await codeOf(store.revokeKey('nope'))).toBe('not_found')
      })

      it('refuses unknown workspaces, taken ids and bad roles', async () => {
        const store = await fresh()
        expect(await codeOf(store.createKey(key('k1', 'nope')))).toBe('not_found')
        await store.createKey(key('k1'))
        expect(await codeOf(store.createKey({ ...key('k1'), hash: 'b'.repeat(64) }))).toBe('already_exists')
        expect(await codeOf(store.createKey({ ...key('k9'), hash: key('k1').hash }))).toBe('already_exists')
        expect(await codeOf(store.createKey({ ...key('k2'), role: 'admin' as 'owner' }))).toBe('invalid_argument')
      })
    })

    describe('watch', () => {
      it('reports new points with their keys and every run change, after the commit', async () => {
        const store = await fresh()
        const changes: StoreChange[] = []
        const stop = store.watch((c) => changes.push(c))
        await store.ingest('w1', [runRecord(1, { id: 'r1' }), rowsRecord(2, [[0, { a: 1, b: 2 }]])])
        await until(() => changes.length >= 2)
        const where = { workspace: 'default', project: 'p', runId: 'r1' }
        expect(changes).toContainEqual({ type: 'run', ...where })
        expect(changes.find((c) => c.type === 'points')).toEqual({ type: 'points', ...where, keys: expect.arrayContaining(['a', 'b']) })
        changes.length = 0
        // A heartbeat is not a change worth telling.
        await store.ingest('w1', [eventRecord(3, { type: 'heartbeat', at: T0 + 5 })])
        await store.updateRun('r1', { name: 'renamed' })
        await until(() => changes.length >= 1)
        expect(changes).toEqual([{ type: 'run', ...where }])
        await store.deleteRun('r1')
        await until(() => changes.length >= 2)
        expect(changes[1]).toEqual({ type: 'run', ...where, deleted: true })
        stop()
        await store.ingest('w2', [runRecord(1, { id: 'r2' }, { id: 'w2' })])
        await new Promise((resolve) => setTimeout(resolve, 100))
        expect(changes).toHaveLength(2)
      })
    })
  })
}
