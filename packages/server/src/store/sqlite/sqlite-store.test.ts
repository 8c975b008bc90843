/** What only the SQLite backend promises: its file, its schema version, several connections. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SpoolRecord } from '@tally/sdk/spool'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { rowsRecord, runRecord, seriesRecord, T0 } from '../test-records.js'
import { MIGRATIONS } from './migrations.js'
import { openSqliteStore } from './sqlite-store.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tally-sqlite-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Checkpoint the WAL into the main file and return that file's size. */
function fileSize(path: string): number {
  const db = new Database(path)
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return statSync(path).size
}

describe('SqliteStore', () => {
  it('stores 1M points over 1,000 series in at most 16 bytes per point', async () => {
    const path = join(dir, 'tally.db')
    const store = openSqliteStore(path)
    const keys = Array.from({ length: 100 }, (_, k) => `train/metric_${k}`)
    for (let r = 0; r < 10; r++) {
      const records: SpoolRecord[] = [runRecord(1, { id: `run${r}` }, { id: `w${r}` })]
      // Flush-sized records, as a live run writes them: 100 steps of 100 keys each.
      for (let s0 = 0; s0 < 1000; s0 += 100) {
        const rows: [number, Record<string, number>][] = []
        for (let s = s0; s < s0 + 100; s++)
          rows.push([s, Object.fromEntries(keys.map((k, i) => [k, Math.sin(s / 50 + i) + Math.random() / 10]))])
        records.push(rowsRecord(records.length + 1, rows, (s) => T0 + s * 250 + (s % 3)))
      }
      // Several calls per writer, so tail chunks are rewritten as they would be live.
      for (let a = 0; a < records.length; a += 3) await store.ingest(`w${r}`, records.slice(a, a + 3))
    }
    const keysOf0 = await store.metricKeys('run0')
    expect(keysOf0.length).toBe(100)
    expect(keysOf0.every((k) => k.count === 1000)).toBe(true)
    await store.close()
    const bytesPerPoint = fileSize(path) / 1_000_000
    expect(bytesPerPoint).toBeLessThanOrEqual(16)
  })

  it('migrates a new file to the newest schema version', async () => {
    const path = join(dir, 'nested', 'deeper', 'tally.db')
    const store = openSqliteStore(path)
    await store.close()
    const db = new Database(path)
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
    // Opening again applies nothing and keeps the data.
    const again = openSqliteStore(path)
    expect(await again.listProjects()).toEqual([])
    await again.close()
  })

  it('answers bucket times for chunks stored before their last time was kept, by decoding them', async () => {
    const path = join(dir, 'tally.db')
    const store = openSqliteStore(path)
    const steps = Array.from({ length: 3000 }, (_, i) => i)
    const timeOf = (s: number): number => T0 + s * 3 + (s % 4)
    await store.ingest('w1', [runRecord(1, { id: 'r1' }), seriesRecord(2, 'x', steps, steps, steps.map(timeOf))])
    await store.close()
    // As migration 3 leaves chunks written by an older Tally.
    const db = new Database(path)
    db.exec('UPDATE chunks SET last_time = NULL')
    db.close()
    const again = openSqliteStore(path)
    const b = await again.readBuckets({ runId: 'r1', key: 'x', buckets: 2 })
    expect(Array.from(b.buckets.time)).toEqual(Array.from(b.buckets.last, timeOf))
    await again.close()
  })

  it('refuses a database from a newer Tally, saying to upgrade', () => {
    const path = join(dir, 'tally.db')
    const db = new Database(path)
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`)
    db.close()
    expect(() => openSqliteStore(path)).toThrow(
      expect.objectContaining({ code: 'store_unavailable', message: expect.stringMatching(/upgrade Tally/) }),
    )
  })

  it('refuses a file that is not a database with store_unavailable', () => {
    const path = join(dir, 'tally.db')
    writeFileSync(path, 'this is not a database, just some text that is long enough to have a header'.repeat(20))
    expect(() => openSqliteStore(path)).toThrow(expect.objectContaining({ code: 'store_unavailable' }))
  })

  it('shares one file between connections without applying a record twice or trusting stale caches', async () => {
    const path = join(dir, 'tally.db')
    const a = openSqliteStore(path)
    const b = openSqliteStore(path)
    const records = [runRecord(1, { id: 'r1' }), seriesRecord(2, 'x', [0, 1, 2], [0, 1, 2])]
    expect((await a.ingest('w1', records)).applied).toBe(2)
    // The other connection reads the acknowledgement inside its own transaction.
    expect(await b.ingest('w1', records)).toMatchObject({ ackedSeq: 2, applied: 0, points: 0 })
    // Both append to the same series in turn; each must see the other's tail and count.
    await b.ingest('w1', [seriesRecord(3, 'x', [3, 4], [3, 4])])
    await a.ingest('w1', [seriesRecord(4, 'x', [5], [5])])
    await b.ingest('w1', [seriesRecord(5, 'x', [1], [-1])])
    for (const store of [a, b]) {
      const s = await store.readSeries({ runId: 'r1', key: 'x' })
      expect(Array.from(s.steps)).toEqual([0, 1, 2, 3, 4, 5])
      expect(Array.from(s.values)).toEqual([0, -1, 2, 3, 4, 5])
      expect((await store.metricKeys('r1'))[0]).toMatchObject({ count: 6, lastStep: 5, lastValue: 5 })
    }
    await a.close()
    await b.close()
  })
})
