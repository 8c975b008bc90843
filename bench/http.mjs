// HTTP ingest and series reads over loopback, against a real `tally serve` in its own process.
// The load comes from this process: pre-encoded spool record batches (what the SDK's sender
// sends), from several writers at once, then a 1 M-point series read as 1,000 buckets.
// Usage: node bench/http.mjs            (DB=sqlite, the default)
//        DB=postgres node bench/http.mjs (starts a throwaway PostgreSQL; needs Debian's postgresql)
// BENCH_RUNS=3 repeats, WRITERS=4 concurrent writers, POINTS=4000000 per repeat.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { encodeEvent, encodePoints } from '../packages/sdk/dist/spool/index.js'
import { cleanup, report, tempDir } from './lib.mjs'

const DB = process.env.DB ?? 'sqlite'
const repeats = Number(process.env.BENCH_RUNS ?? 3)
const WRITERS = Number(process.env.WRITERS ?? 4)
const TOTAL = Number(process.env.POINTS ?? 4_000_000)
const KEYS = 100
const ROWS = 1000 // per batch: 100 keys × 1,000 steps = 100,000 points, ~1.2 MB
const CLI = new URL('../packages/server/dist/cli/main.js', import.meta.url).pathname

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

function start(args, env = {}) {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const seen = (re) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(out)
        if (m) resolve(m)
      }
      const take = (d) => {
        out += d
        check()
      }
      proc.stdout.on('data', take)
      proc.stderr.on('data', take)
      proc.on('exit', (code) => reject(new Error(`tally ${args[0]} exited (${code}): ${out}`)))
    })
  return { proc, seen }
}

function batch(seq, step0) {
  const n = ROWS * KEYS
  const steps = new Float64Array(ROWS)
  const times = new Float64Array(ROWS)
  const counts = new Uint32Array(ROWS).fill(KEYS)
  const keyIndex = new Uint32Array(n)
  const values = new Float64Array(n)
  for (let r = 0; r < ROWS; r++) {
    steps[r] = step0 + r
    times[r] = 1.7e12 + step0 + r
    for (let k = 0; k < KEYS; k++) {
      keyIndex[r * KEYS + k] = k
      values[r * KEYS + k] = Math.sin((step0 + r) / 100 + k)
    }
  }
  return encodePoints(seq, { keys: Array.from({ length: KEYS }, (_, k) => `train/m${k}`), steps, times, counts, keyIndex, values })
}

function runEvent(writer, runId) {
  const at = Date.now()
  return encodeEvent(1, {
    type: 'run',
    at,
    writer: { id: writer, host: 'bench', pid: 1, runtime: 'bench', startedAt: at },
    id: runId,
    project: 'bench',
    name: runId,
    group: null,
    tags: [],
    description: null,
    config: {},
    createdAt: at,
    resumed: false,
    system: {},
  })
}

async function post(base, key, writer, body) {
  const res = await fetch(`${base}/api/v1/workspaces/default/writers/${writer}/records`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/vnd.tally.spool' },
    body,
  })
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
  return res.json()
}

let pg
let dbUrl
const dir = tempDir()
if (DB === 'postgres') {
  const { startPostgres } = await import('../packages/server/dist/test/postgres-server.js')
  pg = await startPostgres()
  dbUrl = pg.url
} else dbUrl = `sqlite:${join(dir, 'server.db')}`

const port = await freePort()
const keyProc = start(['keys', 'create', '--workspace', 'default', '--role', 'owner', '--db', dbUrl])
const key = (await keyProc.seen(/tally_sk_\S+/))[0]
const server = start(['serve', '--host', '127.0.0.1', '--port', String(port), '--db', dbUrl, '--data-dir', dir])
await server.seen(/listening on/)
const base = `http://127.0.0.1:${port}`

// One batch body per writer and seq is encoded up front, so the load measures the server.
const perWriter = Math.ceil(TOTAL / (ROWS * KEYS) / WRITERS)
const samples = []
for (let r = 0; r < repeats; r++) {
  const writers = Array.from({ length: WRITERS }, (_, w) => ({ id: `bench-${r}-${w}`, run: `bench-run-${r}-${w}` }))
  for (const w of writers) await post(base, key, w.id, runEvent(w.id, w.run))
  const bodies = writers.map(() => Array.from({ length: perWriter }, (_, i) => batch(i + 2, i * ROWS)))
  const t0 = performance.now()
  await Promise.all(
    writers.map(async (w, wi) => {
      for (const body of bodies[wi]) await post(base, key, w.id, body)
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  samples.push((WRITERS * perWriter * ROWS * KEYS) / seconds)
}
report(`HTTP ingest on loopback (${DB}, ${WRITERS} writers)`, 'points/s', samples.map(Math.round), {
  points: WRITERS * perWriter * ROWS * KEYS,
})

// A 1 M-point series, then its buckets read over HTTP (server time + JSON + loopback).
const long = 'bench-long'
await post(base, key, long, runEvent(long, long))
const n = 1_000_000
const CH = 100_000
for (let i = 0; i < n / CH; i++) {
  const steps = Float64Array.from({ length: CH }, (_, j) => i * CH + j)
  const values = steps.map((s) => Math.sin(s / 1000) + (s === 654_321 ? 100 : 0))
  await post(
    base,
    key,
    long,
    encodePoints(i + 2, {
      keys: ['loss'],
      steps,
      times: steps.map((s) => 1.7e12 + s),
      counts: new Uint32Array(CH).fill(1),
      keyIndex: new Uint32Array(CH),
      values,
    }),
  )
}
const reads = []
for (let i = 0; i < 6; i++) {
  const t = performance.now()
  const res = await fetch(`${base}/api/v1/runs/${long}/series?key=loss&buckets=1000`, { headers: { authorization: `Bearer ${key}` } })
  const body = await res.json()
  if (i > 0) reads.push(performance.now() - t)
  if (Math.max(...body.buckets.max) < 100) throw new Error('the spike did not survive')
}
report(`1 M-point series → 1,000 buckets over HTTP (${DB})`, 'ms', reads)

server.proc.kill('SIGTERM')
await new Promise((r) => server.proc.on('exit', r))
if (pg) await pg.stop()
cleanup(dir)
