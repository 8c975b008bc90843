/**
 * The team server as users run it: `tally serve` in its own process, an SDK script logging
 * to it from another, the server killed with SIGKILL and restarted, or started late.
 * Everything the script logged arrives exactly once, with no user action.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type Child, freePort, freshDir, script, startNode, startServe, writerKey } from './test-helpers.js'

const children: Child[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.proc.kill('SIGKILL')
})

function serve(dir: string, port: number): Child {
  const c = startServe(dir, port)
  children.push(c)
  return c
}

/** A script that logs `steps` rows of `keys` metrics to the server, pausing now and then, and finishes. */
function loggingScript(dir: string, url: string, key: string, steps: number, keys: number): string {
  return script(
    dir,
    'log-remote.mjs',
    `
const run = tally.init({ project: 'p', name: 'remote', serverUrl: ${JSON.stringify(url)}, apiKey: ${JSON.stringify(key)}, dir: ${JSON.stringify(join(dir, 'client'))}, finishTimeoutMs: 60000, quiet: true })
console.log('run', run.id)
for (let s = 0; s < ${steps}; s++) {
  const row = {}
  for (let k = 0; k < ${keys}; k++) row['m' + k] = s * 1000 + k
  run.log(row)
  if (s % 200 === 199) { console.log('step', s); await new Promise((r) => setTimeout(r, 20)) }
}
await run.finish()
console.log('done')
`,
  )
}

async function series(url: string, key: string, runId: string, metric: string): Promise<{ steps: number[]; values: number[] }> {
  const res = await fetch(`${url}/api/v1/runs/${runId}/series?key=${metric}`, { headers: { authorization: `Bearer ${key}` } })
  expect(res.status).toBe(200)
  return (await res.json()) as { steps: number[]; values: number[] }
}

async function expectExactly(url: string, key: string, runId: string, steps: number, keys: number): Promise<void> {
  for (let k = 0; k < keys; k++) {
    const s = await series(url, key, runId, `m${k}`)
    expect(s.steps).toEqual(Array.from({ length: steps }, (_, i) => i))
    expect(s.values).toEqual(Array.from({ length: steps }, (_, i) => i * 1000 + k))
  }
}

describe('tally serve', () => {
  it('keeps every point exactly once when the server is killed with SIGKILL under load and restarted', async () => {
    const dir = freshDir()
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const key = await writerKey(dir)
    let server = serve(dir, port)
    await server.waitFor(/listening on/)
    const STEPS = 6000
    const KEYS = 5
    const logger = startNode(loggingScript(dir, url, key, STEPS, KEYS), {})
    children.push(logger)
    const runId = (await logger.waitFor(/^run /)).split(' ')[1] as string
    await logger.waitFor(/^step 1999$/)
    server.proc.kill('SIGKILL')
    await server.exited
    await new Promise((r) => setTimeout(r, 500))
    server = serve(dir, port)
    await server.waitFor(/listening on/)
    await logger.waitFor(/^done$/)
    expect((await logger.exited).code).toBe(0)
    await expectExactly(url, key, runId, STEPS, KEYS)
    const run = (await (await fetch(`${url}/api/v1/runs/${runId}`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
      status: string
    }
    expect(run.status).toBe('finished')
  })

  it('delivers what a script logged while the server was down, once it comes up', async () => {
    const dir = freshDir()
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const key = await writerKey(dir)
    const logger = startNode(loggingScript(dir, url, key, 1000, 3), {})
    children.push(logger)
    const runId = (await logger.waitFor(/^run /)).split(' ')[1] as string
    await logger.waitFor(/^step 999$/)
    await new Promise((r) => setTimeout(r, 1000))
    const server = serve(dir, port)
    await server.waitFor(/listening on/)
    await logger.waitFor(/^done$/)
    await expectExactly(url, key, runId, 1000, 3)
  })

  it('prints a one-time owner key on a new server and shuts down gracefully on SIGTERM', async () => {
    const dir = freshDir()
    const port = await freePort()
    const server = serve(dir, port)
    const keyLine = await server.waitFor(/^\s+tally_sk_/)
    await server.waitFor(/listening on/)
    const key = keyLine.trim()
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/workspaces`, { headers: { authorization: `Bearer ${key}` } })
    expect(res.status).toBe(200)
    server.proc.kill('SIGTERM')
    const exit = await server.exited
    expect(exit.code).toBe(0)
    // A second start finds the key and prints none.
    const again = serve(dir, port)
    await again.waitFor(/listening on/)
    expect(again.lines.some((l) => l.includes('tally_sk_'))).toBe(false)
  })
})
