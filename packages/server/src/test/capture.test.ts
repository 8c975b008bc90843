/**
 * The SDK's automatic capture end to end: a real child process logs with the defaults (a
 * short sampling period), the spool is ingested into a real SQLite file and read through
 * the HTTP API. A secret-looking environment variable and command-line flag must leave no
 * trace of their values anywhere on the way.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from '../app/app.js'
import { ingestSpool } from '../ingest/ingest-spool.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import { type Child, freshDir, script, startNode } from './test-helpers.js'

const children: Child[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.proc.kill('SIGKILL')
})

const ENV_SECRET = 'canary-env-5f0e9b1d'
const ARGV_SECRET = 'canary-argv-77c2a4e0'

/** Every file under `dir`, its bytes as latin1 text, so any byte sequence can be searched. */
function allBytes(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...allBytes(path))
    else out.push({ path, text: readFileSync(path).toString('latin1') })
  }
  return out
}

describe('automatic capture', () => {
  it('records system series and the environment, and no secret value reaches the spool, the store or the API', async () => {
    const dir = freshDir()
    const child = startNode(
      script(
        dir,
        'train.mjs',
        `const run = tally.init({ project: 'cap', dir: ${JSON.stringify(dir)}, capture: { system: { intervalMs: 1000 } } })
console.log('run', run.id)
let step = 0
const timer = setInterval(() => run.log({ loss: 1 / ++step }), 50)
// The test says when it has seen samples; until then the process trains.
process.on('SIGUSR2', async () => { clearInterval(timer); console.log('done'); await run.finish(); process.exit(0) })`,
      ),
      { TALLY_TEST_SECRET_TOKEN: ENV_SECRET },
      ['--lr=0.01', '--epochs', '5', '--hf-token', ARGV_SECRET],
    )
    children.push(child)
    const runId = (await child.waitFor(/^run /)).split(' ')[1] as string

    const store = openSqliteStore(join(dir, 'tally.db'))
    try {
      const keysOf = async (): Promise<{ key: string; count: number }[]> => store.metricKeys(runId).catch(() => [])
      // Two samples of CPU time: the first rate comes a second in, the next a second later.
      for (;;) {
        await ingestSpool(store, dir)
        if (((await keysOf()).find((k) => k.key === 'system/cpu_percent')?.count ?? 0) >= 2) break
        await new Promise((r) => setTimeout(r, 200))
      }
      child.proc.kill('SIGUSR2')
      expect((await child.exited).code).toBe(0)
      await ingestSpool(store, dir)

      const keys = (await keysOf()).map((k) => k.key)
      for (const k of ['system/cpu_percent', 'system/memory_used_gb', 'system/memory_percent', 'system/process_rss_mb', 'loss']) {
        expect(keys).toContain(k)
      }
      const cpu = await store.readSeries({ runId, key: 'system/cpu_percent' })
      for (const v of cpu.values) expect(v).toBeGreaterThanOrEqual(0)

      const app = await createApp({ store, config: { mode: 'local', localToken: 't' } })
      try {
        const answers = await Promise.all(
          [
            `/api/v1/runs/${runId}`,
            `/api/v1/runs/${runId}/console`,
            `/api/v1/runs/${runId}/keys`,
            '/api/v1/workspaces/default/projects/cap/runs',
          ].map((url) => app.inject({ url })),
        )
        for (const a of answers) expect(a.statusCode).toBe(200)
        const run = answers[0]?.json() as { config: Record<string, unknown>; lastStep: number; system: Record<string, unknown> }
        // The flags offered as config, the secret one redacted.
        expect(run.config).toEqual({ lr: 0.01, epochs: 5, 'hf-token': '[redacted]' })
        expect((run.system.environ as Record<string, string>).TALLY_TEST_SECRET_TOKEN).toBe('[redacted]')
        expect(run.system.env).toMatchObject({ runtime: 'node', cpuCount: expect.any(Number) })
        expect(run.system.git).toMatchObject({ commit: expect.stringMatching(/^[0-9a-f]{40}$/) })
        // The user's steps, not the samples' seconds, are where a resume would continue.
        const loss = await store.readSeries({ runId, key: 'loss' })
        expect(run.lastStep).toBe(loss.steps[loss.steps.length - 1])
        // What the script printed is in its console log (on by default), in order.
        const console = answers[1]?.json() as { lines: { text: string }[] }
        expect(console.lines.map((l) => l.text)).toEqual([`run ${runId}`, 'done'])
        for (const a of answers) {
          expect(a.body).not.toContain(ENV_SECRET)
          expect(a.body).not.toContain(ARGV_SECRET)
        }
      } finally {
        await app.close()
      }
    } finally {
      await store.close()
    }
    // The spool files and the SQLite database (with its WAL), byte for byte.
    const files = allBytes(dir).filter((f) => !f.path.endsWith('train.mjs'))
    expect(files.some((f) => f.path.endsWith('.tsp'))).toBe(true)
    expect(files.some((f) => f.path.endsWith('tally.db'))).toBe(true)
    for (const f of files) {
      expect(f.text.includes(ENV_SECRET), f.path).toBe(false)
      expect(f.text.includes(ARGV_SECRET), f.path).toBe(false)
    }
  })
})
