/**
 * The dashboard of a team server in Chromium: `tally serve` on a fresh data directory, runs
 * logged into workspace "vision" by an SDK script, and viewer and writer keys. The dashboard
 * asks for a key, says when it is wrong, opens the key's workspace, hides write actions from
 * a viewer, lets a writer rename and an owner delete a run, and signs out. Screenshots: test-output/dashboard/team-*.png.
 */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { closeBrowser, demoServer, killChildren, newPage, SHOTS, track } from './browser-helpers.js'
import { CLI_DIST, freePort, freshDir, script, startNode, startServe } from './test-helpers.js'

afterAll(closeBrowser)
afterEach(killChildren)

const WS = 'vision'

/** `tally serve` on a fresh directory; answers its URL and the owner key of "default" it prints. */
async function teamServer(dir: string): Promise<{ url: string; admin: string }> {
  const port = await freePort()
  const server = track(startServe(dir, port))
  const admin = (await server.waitFor(/^\s+tally_sk_/)).trim()
  await server.waitFor(/listening on/)
  return { url: `http://127.0.0.1:${port}`, admin }
}

/** A key of workspace "vision" made as the docs say: \`tally keys create\` on the server's machine. */
async function cliKey(dir: string, role: string): Promise<string> {
  const c = startNode(CLI_DIST, {}, ['keys', 'create', '--workspace', WS, '--role', role, '--db', `sqlite:${join(dir, 'server.db')}`])
  const line = await c.waitFor(/^tally_sk_/)
  await c.exited
  return line.trim()
}

async function api<T>(url: string, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** Two finished runs of project "detector" in workspace "vision", logged by the SDK over HTTP. */
async function logRuns(dir: string, url: string, key: string): Promise<void> {
  const path = script(
    dir,
    'log-team.mjs',
    `
for (const [name, lr] of [['baseline', 0.001], ['wide', 0.003]]) {
  const run = tally.init({ project: 'detector', name, workspace: ${JSON.stringify(WS)}, config: { lr }, serverUrl: ${JSON.stringify(url)}, apiKey: ${JSON.stringify(key)}, dir: ${JSON.stringify(join(dir, 'client'))}, quiet: true })
  for (let s = 0; s < 50; s++) run.log({ loss: 1 / (1 + s * lr * 100), acc: s / 50 })
  await run.finish()
}
console.log('done')
`,
  )
  const logger = track(startNode(path, {}))
  await logger.waitFor(/^done$/)
  expect((await logger.exited).code).toBe(0)
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

describe('a team server’s dashboard, in Chromium', () => {
  it('signs in with a key, shows a viewer no write actions, lets a writer rename and an owner delete a run, and signs out', async () => {
    const dir = freshDir('tally-team-dashboard-')
    const { url, admin } = await teamServer(dir)
    await api(url, admin, 'POST', '/workspaces', { name: WS })
    const [viewer, writer, owner] = [await cliKey(dir, 'viewer'), await cliKey(dir, 'writer'), await cliKey(dir, 'owner')]
    await logRuns(dir, url, writer)
    const runs = (await api<{ runs: { id: string; name: string }[] }>(url, viewer, 'GET', `/workspaces/${WS}/projects/detector/runs`)).runs
    const baseline = runs.find((r) => r.name === 'baseline')?.id as string
    const { page, errors } = await newPage()

    // No key yet: the sign-in page, with a password field and where keys come from.
    await page.goto(url)
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
    expect(await page.getByLabel('API key').getAttribute('type')).toBe('password')
    expect(await page.locator('main.sign-in').textContent()).toContain('tally keys create --workspace W --role viewer')
    await page.screenshot({ path: join(SHOTS, 'team-1-sign-in.png') })

    // A wrong key says so, and the page stays.
    await signIn(page, 'tally_sk_not-a-real-key')
    const alert = page.locator('.sign-in-error[role="alert"]')
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/^Wrong key: this API key is unknown or revoked/)
    await page.screenshot({ path: join(SHOTS, 'team-2-wrong-key.png') })

    // The viewer key opens its own workspace (the URL names none), its project, runs and a chart.
    await signIn(page, viewer)
    await page.locator('.project-link', { hasText: 'detector' }).waitFor()
    expect(await page.getByTestId('session-workspace').textContent()).toBe(WS)
    expect(await page.getByTestId('session-role').textContent()).toBe('viewer')
    await page.screenshot({ path: join(SHOTS, 'team-3-viewer-projects.png') })
    await page.locator('.project-link', { hasText: 'detector' }).click()
    await page.waitForURL(/project=detector/)
    await page.locator('table.runs tbody tr').nth(1).waitFor()
    expect(await page.locator('table.runs tbody tr').count()).toBe(2)
    // Live updates come over EventSource, which sends no headers: the cookie authenticates it.
    await page.locator('.live-status[data-status="live"]').waitFor()

    // A run page, read-only: its chart draws, and no edit or delete controls exist at all.
    await page.goto(`${url}/?workspace=${WS}&project=detector&run=${baseline}`)
    await page.getByRole('heading', { name: 'baseline', level: 1 }).waitFor()
    const chart = page.locator('.chart[data-metric="loss"]')
    await chart.scrollIntoViewIfNeeded()
    await page.locator('.chart[data-metric="loss"][data-state="ready"]').waitFor()
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: /Delete/ }).count()).toBe(0)
    await page.screenshot({ path: join(SHOTS, 'team-4-viewer-run.png'), fullPage: true })

    // Sign out: back to the sign-in page; the run URL is kept for the next key.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
    expect(page.url()).toContain(`run=${baseline}`)

    // The writer lands on the same run page, renames the run, and sees the new name (also after a reload).
    await signIn(page, writer)
    await page.getByRole('heading', { name: 'baseline', level: 1 }).waitFor()
    expect(await page.getByTestId('session-role').textContent()).toBe('writer')
    expect(await page.getByRole('button', { name: /Delete/ }).count()).toBe(0)
    await page.getByRole('button', { name: 'Edit' }).click()
    const form = page.getByRole('form', { name: 'Edit run' })
    await form.getByLabel('Name').fill('baseline-v2')
    await form.getByLabel('Tags').fill('reviewed, keep')
    await page.screenshot({ path: join(SHOTS, 'team-5-writer-edit.png') })
    await form.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('heading', { name: 'baseline-v2', level: 1 }).waitFor()
    expect(await page.locator('.run-labels .tag').allTextContents()).toEqual(['reviewed', 'keep'])
    expect((await api<{ name: string }>(url, viewer, 'GET', `/runs/${baseline}`)).name).toBe('baseline-v2')
    await page.reload()
    await page.getByRole('heading', { name: 'baseline-v2', level: 1 }).waitFor()
    await page.screenshot({ path: join(SHOTS, 'team-6-writer-renamed.png') })

    // An owner deletes the run through a dialog that names it, and is back at the project.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await signIn(page, owner)
    await page.getByRole('heading', { name: 'baseline-v2', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Delete run' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete run “baseline-v2”?' })
    await dialog.waitFor()
    await page.screenshot({ path: join(SHOTS, 'team-7-owner-delete.png') })
    await dialog.getByRole('button', { name: 'Delete “baseline-v2”' }).click()
    await page.waitForURL(/\/\?workspace=vision&project=detector$/)
    await page.locator('table.runs tbody tr').first().waitFor()
    expect(await page.locator('table.runs tbody tr').count()).toBe(1)
    expect((await api<{ runs: unknown[] }>(url, viewer, 'GET', `/workspaces/${WS}/projects/detector/runs`)).runs).toHaveLength(1)

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
    // The only console errors are the browser's own lines for the 401s the dashboard expects.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([])
    await page.close()
  })

  it('lets the local dashboard (tally ui) edit a run with no sign-in, as the owner', async () => {
    const { url, ids } = await demoServer()
    const { page, errors } = await newPage()
    const id = ids.get('baseline') as string
    await page.goto(`${url}/?project=demo&run=${id}`)
    await page.getByRole('heading', { name: 'baseline', level: 1 }).waitFor()
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Delete run' }).count()).toBe(1)
    await page.getByRole('button', { name: 'Edit' }).click()
    const form = page.getByRole('form', { name: 'Edit run' })
    await form.getByLabel('Description').fill('the run to beat')
    await form.getByRole('button', { name: 'Save' }).click()
    await page.locator('.run-description', { hasText: 'the run to beat' }).waitFor()
    const run = (await (await fetch(`${url}/api/v1/runs/${id}`)).json()) as { description: string }
    expect(run.description).toBe('the run to beat')
    await page.screenshot({ path: join(SHOTS, 'team-8-local-owner.png') })
    expect(errors).toEqual([])
    await page.close()
  })
})
