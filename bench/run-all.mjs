// Every benchmark in turn; each prints JSON lines with medians and samples.
import { execFileSync } from 'node:child_process'

for (const b of ['log-cost.mjs', 'e2e.mjs', 'queries.mjs']) {
  process.stdout.write(`# ${b}\n`)
  execFileSync(process.execPath, [new URL(b, import.meta.url).pathname], { stdio: 'inherit' })
}
