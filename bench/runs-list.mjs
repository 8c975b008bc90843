// The runs list route with 10,000 runs in SQLite, as the dashboard reads it: ten pages of
// 1,000 (newest first) over loopback from a real `tally ui`, and the same read sorted by a
// config key. Runs are written straight into the store by demo/many-runs.
// Usage: node bench/runs-list.mjs  (BENCH_RUNS=5 repeats, RUNS=10000)
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { writeManyRuns } from '../packages/server/dist/demo/many-runs.js'
import { openSqliteStore } from '../packages/server/dist/index.js'
import { cleanup, runs as repeats, report, tempDir } from './lib.mjs'

const N = Number(process.env.RUNS ?? 10_000)
const CLI = new URL('../packages/server/dist/cli/main.js', import.meta.url).pathname
const dir = tempDir()
const store = openSqliteStore(join(dir, 'tally.db'))
let t = performance.now()
await writeManyRuns(store, N, { project: 'many' })
report(`write ${N} runs into the store (many-runs helper)`, 'ms', [performance.now() - t])
await store.close()

const ui = spawn(process.execPath, [CLI, 'ui', '--port', '0'], {
  env: { ...process.env, TALLY_DIR: dir },
  stdio: ['ignore', 'ignore', 'pipe'],
})
const base = await new Promise((resolve) => {
  let out = ''
  // It says where it listens on stderr.
  ui.stderr.on('data', (d) => {
    out += d
    const m = /http:\/\/\S+/.exec(out)
    if (m) resolve(m[0].replace(/\/$/, ''))
  })
})

async function readAll(extra) {
  const firsts = []
  let got = 0
  for (let offset = 0; offset < N; offset += 1000) {
    const t0 = performance.now()
    const res = await fetch(`${base}/api/v1/workspaces/default/projects/many/runs?limit=1000&offset=${offset}${extra}`)
    const body = await res.json()
    if (!res.ok) throw new Error(JSON.stringify(body))
    got += body.runs.length
    firsts.push(performance.now() - t0)
  }
  if (got !== N) throw new Error(`read ${got} runs of ${N}`)
  return firsts
}

for (const [name, extra] of [
  ['newest first', '&sort=createdAt&order=desc'],
  ['sorted by config.lr', '&sort=config.lr&order=asc'],
]) {
  await readAll(extra) // warm-up
  const totals = []
  const pages = []
  for (let i = 0; i < repeats; i++) {
    t = performance.now()
    const each = await readAll(extra)
    totals.push(performance.now() - t)
    pages.push(each[0], each[each.length - 1])
  }
  report(`GET runs, 10 pages of 1,000 of ${N} (${name})`, 'ms', totals, { firstAndLastPageMs: pages.map((p) => +p.toFixed(1)) })
}
ui.kill('SIGKILL')
cleanup(dir)
