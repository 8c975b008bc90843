// Series reads: a 1 M-point series downsampled to 1,000 buckets, and a 10,000-point window raw.
// Usage: node bench/queries.mjs  (BENCH_RUNS=5 per measurement, median reported)
import { join } from 'node:path'
import { init } from '../packages/sdk/dist/index.js'
import { ingestSpool, openSqliteStore } from '../packages/server/dist/index.js'
import { cleanup, report, tempDir } from './lib.mjs'

const N = 1_000_000
const repeats = Number(process.env.BENCH_RUNS ?? 5)
const dir = tempDir()
const run = init({ project: 'bench', name: 'long', dir })
for (let s = 0; s < N; s++) run.log({ loss: Math.sin(s / 1000) + (s === 654_321 ? 100 : 0), other: s })
await run.finish()
const store = openSqliteStore(join(dir, 'tally.db'))
await ingestSpool(store, dir)

const time = async (fn) => {
  const samples = []
  await fn() // warm-up
  for (let i = 0; i < repeats; i++) {
    const t = performance.now()
    await fn()
    samples.push(performance.now() - t)
  }
  return samples
}
let spike = 0
const buckets = await time(async () => {
  const b = await store.readBuckets({ runId: run.id, key: 'loss', buckets: 1000 })
  spike = Math.max(...b.buckets.max)
})
if (spike < 100) throw new Error('the spike did not survive')
report('1 M-point series → 1,000 buckets', 'ms', buckets)
// A range that starts and ends inside chunks, and 2,000 buckets (width 512, below the chunk
// size), so chunks must be decoded rather than answered from their stats: the slow path.
const unaligned = await time(async () => {
  const b = await store.readBuckets({ runId: run.id, key: 'loss', buckets: 2000, from: 12_345, to: 987_654 })
  spike = Math.max(...b.buckets.max)
})
if (spike < 100) throw new Error('the spike did not survive')
report('~1 M-point range, unaligned → 2,000 buckets', 'ms', unaligned)
let got = 0
const window = await time(async () => {
  const s = await store.readSeries({ runId: run.id, key: 'loss', from: 500_000, to: 509_999 })
  got = s.steps.length
})
if (got !== 10_000) throw new Error(`window returned ${got} points`)
report('10,000-point window, raw', 'ms', window)
const full = await time(async () => {
  await store.readSeries({ runId: run.id, key: 'loss' })
})
report('1 M-point series, raw', 'ms', full)
await store.close()
cleanup(dir)
