/**
 * What only the PostgreSQL backend promises: several server processes on one database
 * (each store object here stands for one), its schema version, and its connection errors.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { JsonValue, SpoolRecord } from '@tally/sdk/spool'
import { Client } from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import type { Comparison, Condition, RunQuery, Store, StoreChange } from '../store.js'
import { eventRecord, rowsRecord, runRecord, seriesRecord, T0 } from '../test-records.js'
import { freshPostgresDatabase, openTestStore, STORE_KINDS } from '../test-stores.js'
import { MAX_PAYLOAD_BYTES, notifyPayloads, parsePayload } from './changes.js'
import { MIGRATIONS } from './migrations.js'
import { openPostgresStore, type PostgresStore } from './postgres-store.js'

const opened: PostgresStore[] = []
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close()
})

async function open(url: string): Promise<PostgresStore> {
  const store = await openPostgresStore(url, { hostname: 'this-host' })
  opened.push(store)
  return store
}

/** Statements run on the database as a separate admin connection. */
async function sql<T>(url: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text)).rows as T[]
  } finally {
    await client.end()
  }
}

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i)

// Left out only when STORES leaves postgres out on purpose; without PostgreSQL installed, the run fails.
describe.runIf(STORE_KINDS.includes('postgres'))('PostgresStore', () => {
  it('tells each store of the changes another store commits, and its own only once', async () => {
    const url = await freshPostgresDatabase()
    const a = await open(url)
    const b = await open(url)
    const seenByA: StoreChange[] = []
    const seenByB: StoreChange[] = []
    a.watch((c) => seenByA.push(c))
    b.watch((c) => seenByB.push(c))
    await Promise.all([a.listening(), b.listening()])
    await a.ingest('w1', [runRecord(1, { id: 'r1' }), rowsRecord(2, [[0, { loss: 1, acc: 2 }]])])
    // Another process's changes arrive a moment after its commit, so wait before B's own.
    await until(() => seenByB.length >= 2)
    await b.updateRun('r1', { name: 'renamed' })
    const where = { workspace: 'default', project: 'p', runId: 'r1' }
    const expected = [
      { type: 'run', ...where },
      { type: 'points', ...where, keys: ['loss', 'acc'] },
      { type: 'run', ...where },
    ]
    await until(() => seenByA.length >= 3 && seenByB.length >= 3)
    // Give a duplicate, were one on its way, the time to arrive.
    await new Promise((r) => setTimeout(r, 100))
    expect(seenByA).toEqual(expected)
    expect(seenByB).toEqual(expected)
    await b.deleteRun('r1')
    await until(() => seenByA.length === 4)
    expect(seenByA[3]).toEqual({ type: 'run', ...where, deleted: true })
  })

  it('splits a points change with many keys into notifications under the payload limit', async () => {
    const keys = range(0, 400).map((i) => `layer_${i}/${'é'.repeat(100)}`)
    const change: StoreChange = { type: 'points', workspace: 'default', project: 'p', runId: 'r1', keys }
    const payloads = notifyPayloads('origin', [change, { type: 'run', workspace: 'default', project: 'p', runId: 'r1' }])
    expect(payloads.length).toBeGreaterThan(2)
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
    const parsed = payloads.map((p) => parsePayload(p, 'another origin'))
    expect(parsed.flatMap((c) => (c?.type === 'points' ? c.keys : []))).toEqual(keys)
    expect(parsed.at(-1)).toEqual({ type: 'run', workspace: 'default', project: 'p', runId: 'r1' })
    expect(parsePayload(payloads[0], 'origin')).toBeUndefined()
    expect(parsePayload('not json', 'x')).toBeUndefined()

    // And through a real database: every key arrives.
    const url = await freshPostgresDatabase()
    const a = await open(url)
    const b = await open(url)
    const got = new Set<string>()
    b.watch((c) => {
      if (c.type === 'points') for (const k of c.keys) got.add(k)
    })
    await b.listening()
    await a.ingest('w1', [runRecord(1, { id: 'r1' }), rowsRecord(2, [[0, Object.fromEntries(keys.map((k, i) => [k, i]))]])])
    await until(() => got.size === keys.length)
  })

  it('listens again after its connection is cut', async () => {
    const url = await freshPostgresDatabase()
    const a = await open(url)
    const b = await open(url)
    const seen: StoreChange[] = []
    b.watch((c) => seen.push(c))
    await b.listening()
    const listeners = async (): Promise<number[]> =>
      (await sql<{ pid: number }>(url, "SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN tally_changes'")).map((r) => r.pid)
    const [cut] = await listeners()
    await sql(url, `SELECT pg_terminate_backend(${cut})`)
    // The listener notices, reconnects and LISTENs again; from then on changes arrive.
    await until(async () => (await listeners()).some((pid) => pid !== cut))
    await a.ingest('w1', [runRecord(1, { id: 'r1' })])
    await until(() => seen.some((c) => c.type === 'run' && c.runId === 'r1'))
  })

  it('applies each record once when two stores ingest the same writer at once', async () => {
    const url = await freshPostgresDatabase()
    const a = await open(url)
    const b = await open(url)
    const records: SpoolRecord[] = [runRecord(1, { id: 'r1' })]
    for (let seq = 2; seq <= 41; seq++) {
      const s0 = (seq - 2) * 100
      records.push(seriesRecord(seq, 'x', range(s0, s0 + 100), range(s0, s0 + 100)))
    }
    // Overlapping slices from both sides, as two servers replaying one spool would send them.
    const acks = await Promise.all(
      range(0, 8).flatMap((i) => [a.ingest('w1', records.slice(0, 6 + i * 5)), b.ingest('w1', records.slice(0, 6 + i * 5))]),
    )
    const last = await a.ingest('w1', records)
    expect(acks.reduce((n, ack) => n + ack.applied, last.applied)).toBe(records.length)
    expect(acks.reduce((n, ack) => n + ack.points, last.points)).toBe(4000)
    const s = await b.readSeries({ runId: 'r1', key: 'x' })
    expect(Array.from(s.steps)).toEqual(range(0, 4000))
    expect((await b.metricKeys('r1'))[0]).toMatchObject({ count: 4000, lastStep: 3999 })
  })

  it('loses no update when writers of one run ingest through two stores at once', async () => {
    const url = await freshPostgresDatabase()
    const a = await open(url)
    const b = await open(url)
    const ranks = range(0, 4)
    await Promise.all(
      ranks.map((rank) =>
        (rank % 2 ? a : b).ingest(`rank${rank}`, [
          runRecord(1, { id: 'ddp', config: { [`rank${rank}`]: true } }, { id: `rank${rank}`, pid: 100 + rank }),
          seriesRecord(2, `loss/${rank}`, range(0, 2000), range(0, 2000)),
          seriesRecord(3, 'shared', [rank], [rank]),
          eventRecord(4, { type: 'summary', at: T0, summary: { [`best${rank}`]: rank } }),
        ]),
      ),
    )
    const r = await a.getRun('ddp')
    expect(r?.config).toEqual({ rank0: true, rank1: true, rank2: true, rank3: true })
    expect(r?.summary).toMatchObject({ best0: 0, best1: 1, best2: 2, best3: 3 })
    expect((await a.metricKeys('ddp')).map((k) => [k.key, k.count])).toEqual([
      ['loss/0', 2000],
      ['loss/1', 2000],
      ['loss/2', 2000],
      ['loss/3', 2000],
      ['shared', 4],
    ])
    expect((await a.listProjects())[0]?.runs).toBe(1)
  })

  it('keeps a run deleted when a new writer of it arrives while the delete waits for the run lock', async () => {
    const url = await freshPostgresDatabase()
    const store = await open(url)
    await store.ingest('wA', [runRecord(1, { id: 'R' }, { id: 'wA' }), seriesRecord(2, 'loss', [0, 1], [1, 2])])
    // Another transaction holds the run's row, so the delete and then the new writer queue behind it.
    const admin = new Client({ connectionString: url })
    await admin.connect()
    await admin.query('BEGIN')
    await admin.query("SELECT id FROM runs WHERE id = 'R' FOR UPDATE")
    const deleting = store.deleteRun('R')
    await new Promise((r) => setTimeout(r, 200))
    const ingesting = store.ingest('wB', [runRecord(1, { id: 'R', resumed: true }, { id: 'wB' }), seriesRecord(2, 'loss', [2], [3])]).then(
      () => 'stored',
      (e: { code?: string }) => e.code,
    )
    await new Promise((r) => setTimeout(r, 200))
    await admin.query('COMMIT')
    await admin.end()
    await deleting
    expect(await ingesting).toBe('run_exists')
    expect(await store.getRun('R')).toBeUndefined()
  })

  it('migrates a new database once, even when two stores open it together, and reopens it as it is', async () => {
    const url = await freshPostgresDatabase()
    await Promise.all([open(url), open(url), open(url)])
    expect(await sql<{ version: number }>(url, 'SELECT version FROM schema_version')).toEqual([{ version: MIGRATIONS.length }])
    const again = await open(url)
    expect((await again.listWorkspaces()).map((w) => w.name)).toEqual(['default'])
  })

  it('refuses a database from a newer Tally, saying to upgrade', async () => {
    const url = await freshPostgresDatabase()
    await (await open(url)).close()
    await sql(url, `UPDATE schema_version SET version = ${MIGRATIONS.length + 1}`)
    await expect(openPostgresStore(url)).rejects.toMatchObject({
      code: 'store_unavailable',
      message: expect.stringMatching(/upgrade Tally/),
    })
  })

  it('answers store_unavailable, saying what to check, when the database cannot be reached', async () => {
    const url = await freshPostgresDatabase()
    const missing = new URL(url)
    missing.pathname = '/no_such_database'
    missing.password = 'secret'
    const refused = await openPostgresStore(missing.toString()).catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'store_unavailable', message: expect.stringMatching(/no_such_database.*check that the server/) })
    expect((refused as Error).message).not.toContain('secret')
    const store = await open(url)
    await sql(url, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')
    // The pool's connections were cut: a call on one fails as store_unavailable, never as a bug, and the next works.
    const outcome = await store.listWorkspaces().then(
      () => 'ok',
      (e: { code?: string }) => e.code,
    )
    expect(['ok', 'store_unavailable']).toContain(outcome)
    expect(await store.listWorkspaces()).toHaveLength(1)
  })

  it('filters and sorts runs as SQLite does, across JSON types', async () => {
    const configs: { [key: string]: JsonValue }[] = [
      { v: 1 },
      { v: 2.5 },
      { v: -3 },
      { v: 'abc' },
      { v: 'B' },
      { v: '10' },
      { v: true },
      { v: false },
      { v: null },
      {},
      { v: { a: 1 } },
      { v: [1, 2] },
      { v: Number.NaN },
      { v: Number.POSITIVE_INFINITY },
      { v: '' },
      { v: 'é' },
    ]
    const seed = async (store: Store): Promise<void> => {
      for (const [i, config] of configs.entries()) {
        const run = { id: `r${i}`, name: i % 2 ? `Run-${i}` : `run-${i}`, config, createdAt: T0 + i, group: i % 3 ? 'g' : null }
        await store.ingest(`w${i}`, [runRecord(1, run, { id: `w${i}` }), seriesRecord(2, 'loss', [0], [i % 4 === 0 ? Number.NaN : i])])
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'tally-pg-vs-sqlite-'))
    const sqlite = await openTestStore('sqlite', dir)
    const pg = await open(await freshPostgresDatabase())
    try {
      await seed(sqlite)
      await seed(pg)
      const queries: RunQuery[] = []
      const ops: Comparison[] = ['=', '!=', '<', '<=', '>', '>=']
      for (const value of [1, 0, 2.5, -100, 'abc', 'B', '10', '', true, false, null]) {
        for (const op of ops) {
          if (value !== null || op === '=' || op === '!=') queries.push({ project: 'p', where: [{ field: 'config.v', op, value }] })
        }
      }
      for (const where of [
        { field: 'summary.loss', op: '>=', value: 2 },
        { field: 'summary.loss', op: '!=', value: 1 },
        { field: 'group', op: '!=', value: 'g' },
        { field: 'group', op: '=', value: null },
        { field: 'name', op: '<', value: 'run-4' },
      ] as Condition[]) {
        queries.push({ project: 'p', where: [where] })
      }
      for (const sort of ['config.v', 'summary.loss', 'name', 'status', 'createdAt']) {
        for (const order of ['asc', 'desc'] as const) queries.push({ project: 'p', sort, order })
      }
      for (const search of ['RUN-1', 'n-1']) queries.push({ project: 'p', search })
      for (const q of queries) {
        const ids = async (store: Store): Promise<string[]> => (await store.listRuns({ limit: 1000, ...q })).runs.map((r) => r.id)
        expect(await ids(pg), JSON.stringify(q)).toEqual(await ids(sqlite))
      }
    } finally {
      await sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('stores points as chunks of at most 16 bytes a point', async () => {
    const url = await freshPostgresDatabase()
    const store = await open(url)
    const keys = range(0, 100).map((k) => `train/metric_${k}`)
    const records: SpoolRecord[] = [runRecord(1, { id: 'r1' })]
    for (let s0 = 0; s0 < 10_000; s0 += 100) {
      const rows: [number, Record<string, number>][] = []
      for (let s = s0; s < s0 + 100; s++)
        rows.push([s, Object.fromEntries(keys.map((k, i) => [k, Math.sin(s / 50 + i) + Math.random() / 10]))])
      records.push(rowsRecord(records.length + 1, rows, (s) => T0 + s * 250 + (s % 3)))
    }
    // Flush-sized calls, so tail chunks are rewritten as they would be live.
    for (let i = 0; i < records.length; i += 3) await store.ingest('w1', records.slice(i, i + 3))
    // Compacted: the dead versions of rewritten tail chunks are space that autovacuum reuses.
    await sql(url, 'VACUUM FULL chunks')
    const [size] = await sql<{ bytes: string }>(url, "SELECT pg_total_relation_size('chunks') AS bytes")
    expect(Number(size?.bytes) / 1_000_000).toBeLessThanOrEqual(16)
  })
})
