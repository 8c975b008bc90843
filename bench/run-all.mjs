// Every benchmark in turn; each prints JSON lines with medians and samples. The PostgreSQL
// ones start a throwaway server from Debian's `postgresql` package.
// dashboard.mjs drives Debian's chromium.
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
