// Cost of one run.log() call with 10 keys, amortized over many calls, flushes to the spool included.
// Usage: node bench/log-cost.mjs   (BENCH_RUNS=5 CALLS=1000000)
import { init } from '../packages/sdk/dist/index.js'
import { cleanup, report, runs, tempDir } from './lib.mjs'

const calls = Number(process.env.CALLS ?? 1_000_000)
const keys = Array.from({ length: 10 }, (_, i) => `train/metric_${i}`)
const samples = []
for (let r = 0; r < runs; r++) {
  const dir = tempDir()
  const run = init({ project: 'bench', dir })
  const m = Object.fromEntries(keys.map((k) => [k, 0]))
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) {
    for (let k = 0; k < 10; k++) m[keys[k]] = i * 0.001 + k
    run.log(m)
  }
  const ns = Number(process.hrtime.bigint() - t0)
  await run.finish()
  samples.push(ns / calls / 1000)
  cleanup(dir)
}
report('log() per call, 10 keys', 'µs', samples, { calls })
