// End to end: run.log() → spool → SQLite, until every point is queryable.
// 10 runs × 100 keys × 10,000 steps = 10 M points, logged in one process, then ingested.
// Also reports the stored bytes per point. Usage: node bench/e2e.mjs  (BENCH_RUNS=3 STEPS=10000)
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { init } from '../packages/sdk/dist/index.js'
import { ingestSpool, openSqliteStore } from '../packages/server/dist/index.js'
import { cleanup, report, tempDir } from './lib.mjs'

const RUNS = 10
const KEYS = 100
const STEPS = Number(process.env.STEPS ?? 10_000)
const repeats = Number(process.env.BENCH_RUNS ?? 3)
const total = RUNS * KEYS * STEPS
const keys = Array.from({ length: KEYS }, (_, k) => `train/metric_${k}`)

const e2e = []
const logPhase = []
const ingestPhase = []
const bytes = []
for (let r = 0; r < repeats; r++) {
  const dir = tempDir()
  const t0 = performance.now()
  for (let i = 0; i < RUNS; i++) {
    const run = init({ project: 'bench', name: `run-${i}`, dir })
    const row = {}
    for (let s = 0; s < STEPS; s++) {
      for (let k = 0; k < KEYS; k++) row[keys[k]] = Math.sin(s / 100 + k) + i
      run.log(row)
    }
    await run.finish()
  }
  const t1 = performance.now()
  const store = openSqliteStore(join(dir, 'tally.db'))
  const rep = await ingestSpool(store, dir)
  const t2 = performance.now()
  if (rep.points !== total) throw new Error(`ingested ${rep.points} points, expected ${total}`)
  // Queryable: read one series back to prove it.
  const runs = await store.listRuns({ project: 'bench', limit: 1 })
  const s = await store.readSeries({ runId: runs.runs[0].id, key: keys[0] })
  if (s.steps.length !== STEPS) throw new Error('series incomplete')
  await store.close()
  const { Database } = await import('./sqlite.mjs')
  const db = new Database(join(dir, 'tally.db'))
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  bytes.push(statSync(join(dir, 'tally.db')).size / total)
  e2e.push(total / ((t2 - t0) / 1000))
  logPhase.push(total / ((t1 - t0) / 1000))
  ingestPhase.push(total / ((t2 - t1) / 1000))
  cleanup(dir)
}
report('SDK → spool → SQLite, end to end', 'points/s', e2e, { points: total })
report('  log + spool write only', 'points/s', logPhase)
report('  ingest only', 'points/s', ingestPhase)
report('stored size', 'bytes/point', bytes)
