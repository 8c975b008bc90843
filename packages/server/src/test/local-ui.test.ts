/** `tally ui`: the local server follows the spool, so a script's points show up within a second. */
import { readFileSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type Child, CLI_DIST, freshDir, script, startNode } from './test-helpers.js'

const children: Child[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.proc.kill('SIGKILL')
})

describe('tally ui', () => {
  it('shows a point logged by a local script within a second, and takes writes only with the install token', async () => {
    const dir = freshDir()
    const ui = startNode(CLI_DIST, { TALLY_DIR: dir }, ['ui', '--port', '0'])
    children.push(ui)
    const url = (await ui.waitFor(/listening on/)).match(/http:\/\/\S+/)?.[0] as string
    const logger = startNode(
      script(
        dir,
        'log-local.mjs',
        `const run = tally.init({ project: 'live', name: 'local', dir: ${JSON.stringify(dir)} })
console.log('run', run.id)
process.stdin.resume()
let step = 0
setInterval(async () => { const s = step++; run.log({ loss: 1 / (s + 1) }, { step: s }); await run.flush(); console.log('flushed', s) }, 100)`,
      ),
      {},
    )
    children.push(logger)
    const runId = (await logger.waitFor(/^run /)).split(' ')[1] as string
    // From the moment step 3 is in the spool, the server follows it within its 250 ms pass.
    const line = await logger.waitFor(/^flushed 3$/)
    const seenAt = Date.now()
    let steps: number[] = []
    while (!steps.includes(3)) {
      const res = await fetch(`${url}/api/v1/runs/${runId}/series?key=loss`)
      if (res.status === 200) steps = ((await res.json()) as { steps: number[] }).steps
      if (Date.now() - seenAt > 5000) throw new Error(`step 3 not visible after 5 s (${line})`)
      await new Promise((r) => setTimeout(r, 50))
    }
    // The promise of `tally ui`: what a script has flushed is readable within a second.
    expect(Date.now() - seenAt).toBeLessThan(1000)

    const token = readFileSync(join(dir, 'ui-token'), 'utf8').trim()
    const patch = (headers: Record<string, string>) =>
      fetch(`${url}/api/v1/runs/${runId}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"description":"x"}',
      })
    expect((await patch({})).status).toBe(401)
    expect((await patch({ authorization: `Bearer ${token}` })).status).toBe(200)
    // fetch() sets Host itself, so a rebinding attacker's request is made with node:http.
    const foreign = await new Promise<number>((resolve, reject) => {
      get(`${url}/api/v1/runs/${runId}`, { headers: { host: 'attacker.example' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      }).on('error', reject)
    })
    expect(foreign).toBe(403)
  })
})
