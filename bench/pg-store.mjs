// The PostgreSQL store on its own, against a throwaway local server (Debian's postgresql):
// ingest of 1 M points (100 keys × 10,000 steps, in spool records of 100 steps as a live run
// flushes them), by one writer and by several at once; stored bytes per point; and a 1 M-point
// series read as 1,000 buckets, through the built dist.
// Usage: node bench/pg-store.mjs   (BENCH_RUNS=3, RECORDS_PER_CALL=10, WRITERS=4)
import { KIND_EVENT, KIND_POINTS } from '../packages/sdk/dist/spool/index.js'
import { openPostgresStore } from '../packages/server/dist/store/postgres/postgres-store.js'
import { startPostgres } from '../packages/server/dist/test/postgres-server.js'
import { report } from './lib.mjs'

const repeats = Number(process.env.BENCH_RUNS ?? 3)
const PER_CALL = Number(process.env.RECORDS_PER_CALL ?? 10)
const WRITERS = Number(process.env.WRITERS ?? 4)
const KEYS = 100
const STEPS = 10_000
const ROWS = 100 // steps per spool record: 10,000 points
const POINTS = KEYS * STEPS
const T0 = 1_700_000_000_000
const keys = Array.from({ length: KEYS }, (_, k) => `train/metric_${k}`)

function runEvent(id, writer) {
  return {
    seq: 1,
    kind: KIND_EVENT,
    event: {
      type: 'run',
      id,
      at: T0,
      writer: { id: writer, host: 'bench', pid: 1, runtime: 'node', startedAt: T0 },
      project: 'bench',
      name: id,
      group: null,
      tags: [],
      description: null,
      config: { lr: 0.001 },
      createdAt: T0,
      resumed: false,
      system: {},
    },
  }
}

/** Spool records of `KEYS` keys × `STEPS` steps, `ROWS` steps each, seq 2 on. */
function pointRecords(offset = 0) {
  const records = []
  for (let s0 = 0; s0 < STEPS; s0 += ROWS) {
    const n = ROWS * KEYS
    const steps = new Float64Array(ROWS)
    const times = new Float64Array(ROWS)
    const values = new Float64Array(n)
    const keyIndex = new Uint32Array(n)
    for (let r = 0; r < ROWS; r++) {
      steps[r] = s0 + r
      times[r] = T0 + (s0 + r) * 250
      for (let k = 0; k < KEYS; k++) {
        values[r * KEYS + k] = Math.sin((s0 + r) / 100 + k) + offset
        keyIndex[r * KEYS + k] = k
      }
    }
    records.push({
      seq: records.length + 2,
      kind: KIND_POINTS,
      points: { keys, steps, times, counts: new Uint32Array(ROWS).fill(KEYS), keyIndex, values },
    })
  }
  return records
}

async function ingestAll(store, writer, run, records) {
  await store.ingest(writer, [runEvent(run, writer)])
  for (let i = 0; i < records.length; i += PER_CALL) await store.ingest(writer, records.slice(i, i + PER_CALL))
}

const time = async (fn) => {
  const samples = []
  await fn() // warm-up
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    await fn()
    samples.push(performance.now() - t)
  }
  return samples
}

const server = await startPostgres()
const store = await openPostgresStore(server.url)
try {
  const records = pointRecords()
  const one = []
  for (let r = 0; r < repeats; r++) {
    const t = performance.now()
    await ingestAll(store, `one-${r}`, `one-${r}`, records)
    one.push(POINTS / ((performance.now() - t) / 1000))
  }
  report(`PostgreSQL ingest, 1 writer (${PER_CALL} records of ${ROWS * KEYS} points a call)`, 'points/s', one, { points: POINTS })

  const many = []
  for (let r = 0; r < repeats; r++) {
    const t = performance.now()
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => ingestAll(store, `many-${r}-${w}`, `many-${r}-${w}`, records)))
    many.push((WRITERS * POINTS) / ((performance.now() - t) / 1000))
  }
  report(`PostgreSQL ingest, ${WRITERS} writers at once`, 'points/s', many, { points: WRITERS * POINTS })

  const total = repeats * (1 + WRITERS) * POINTS
  await store.db.pool.query('VACUUM FULL chunks')
  const size = await store.db.pool.query("SELECT pg_total_relation_size('chunks') + pg_total_relation_size('series') AS bytes")
  report('PostgreSQL stored size (chunks and series, after VACUUM FULL)', 'bytes/point', [Number(size.rows[0].bytes) / total])

  // One 1 M-point series, with a spike, then read back.
  const LONG = 1_000_000
  const CH = 50_000
  const long = [runEvent('long', 'long')]
  for (let a = 0; a < LONG; a += CH) {
    const steps = Float64Array.from({ length: CH }, (_, i) => a + i)
    const values = Float64Array.from(steps, (s) => Math.sin(s / 1000) + (s === 654_321 ? 100 : 0))
    long.push({
      seq: long.length + 1,
      kind: KIND_POINTS,
      points: {
        keys: ['loss'],
        steps,
        times: Float64Array.from(steps, (s) => T0 + s),
        counts: new Uint32Array(CH).fill(1),
        keyIndex: new Uint32Array(CH),
        values,
      },
    })
  }
  const t = performance.now()
  await store.ingest('long', long)
  report('PostgreSQL ingest, one 1 M-point series in one call', 'points/s', [LONG / ((performance.now() - t) / 1000)])
  let spike = 0
  const buckets = await time(async () => {
    const b = await store.readBuckets({ runId: 'long', key: 'loss', buckets: 1000 })
    spike = Math.max(...b.buckets.max)
  })
  if (spike < 100) throw new Error('the spike did not survive')
  report('PostgreSQL 1 M-point series → 1,000 buckets', 'ms', buckets)
  const unaligned = await time(() => store.readBuckets({ runId: 'long', key: 'loss', buckets: 2000, from: 12_345, to: 987_654 }))
  report('PostgreSQL ~1 M-point range, unaligned → 2,000 buckets', 'ms', unaligned)
  const window = await time(() => store.readSeries({ runId: 'long', key: 'loss', from: 500_000, to: 509_999 }))
  report('PostgreSQL 10,000-point window, raw', 'ms', window)
  const full = await time(() => store.readSeries({ runId: 'long', key: 'loss' }))
  report('PostgreSQL 1 M-point series, raw', 'ms', full)
} finally {
  await store.close()
  await server.stop()
}
