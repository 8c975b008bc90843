// Every benchmark in turn; each prints JSON lines with medians and samples. The PostgreSQL
// ones start a throwaway server from Debian's `postgresql` package.
// dashboard.mjs drives Debian's chromium. The Python client beside Trackio and wandb
// (bench/python/run.py, which installs them from PyPI) runs last, unless BENCH_PYTHON=0.
import { execFileSync } from 'node:child_process'

const runs = [
  ['log-cost.mjs'],
  ['e2e.mjs'],
  ['queries.mjs'],
  ['http.mjs'],
  ['http.mjs', { DB: 'postgres' }],
  ['pg-store.mjs'],
  ['runs-list.mjs'],
  ['dashboard.mjs'],
]
for (const [b, env = {}] of runs) {
  process.stdout.write(`# ${b}${env.DB ? ` (DB=${env.DB})` : ''}\n`)
  execFileSync(process.execPath, [new URL(b, import.meta.url).pathname], { stdio: 'inherit', env: { ...process.env, ...env } })
}
if (process.env.BENCH_PYTHON !== '0') {
  process.stdout.write('# python/run.py\n')
  execFileSync('python3', [new URL('python/run.py', import.meta.url).pathname], { stdio: 'inherit' })
}
