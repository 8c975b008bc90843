/**
 * The run page's Git fact and Console panel in Chromium, on the demo: a finished run's
 * printed lines and git state, a failed run's traceback on stderr, and the live run's new
 * lines (printed by its child process through init({ captureConsole: true })) appearing
 * without a reload; a run without output says how to record it. Screenshots go to test-output/dashboard/console-*.png.
 */
import { join } from 'node:path'
import { init, type RunJson } from '@tally/sdk'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { closeBrowser, demoServer, killChildren, newPage, SHOTS } from './browser-helpers.js'

afterAll(closeBrowser)
afterEach(killChildren)

const lines = (page: Page) => page.locator('ol.console-lines li')
const lastSeq = async (page: Page): Promise<number> => Number(await lines(page).last().getAttribute('data-seq'))

describe('console output and git on the run page, in Chromium', () => {
  it('shows a run’s git state and console lines, stderr marked, and follows a live run’s new lines', async () => {
    const { url, ids, dir } = await demoServer()
    const { page, errors } = await newPage()

    // A finished run: the git state init recorded, and what it printed, scrolled to the end.
    const highLr = ids.get('high-lr') as string
    const run = (await (await fetch(`${url}/api/v1/runs/${highLr}`)).json()) as RunJson
    const git = run.system.git as { commit: string; branch: string; remote: string }
    await page.goto(`${url}/?project=demo&run=${highLr}`)
    const gitFact = page.locator('.run-facts [data-fact="git"]')
    await gitFact.waitFor()
    expect(await gitFact.locator('.git-commit').textContent()).toBe(git.commit.slice(0, 8))
    expect(await gitFact.locator('.git-commit').getAttribute('title')).toBe(git.commit)
    expect(await gitFact.locator('.git-branch').textContent()).toBe('main')
    expect(await gitFact.locator('.git-remote').textContent()).toBe(git.remote)
    expect(await gitFact.locator('.git-dirty').count()).toBe(0)

    const panel = page.getByRole('list', { name: 'Console output' })
    await panel.scrollIntoViewIfNeeded()
    await lines(page).last().waitFor()
    expect(await lines(page).first().textContent()).toMatch(/^training high-lr: 2000 steps/)
    expect(await lines(page).last().textContent()).toMatch(/^epoch 10\/10 {2}loss/)
    const warning = page.locator('ol.console-lines li.stderr')
    expect(await warning.count()).toBe(1)
    expect(await warning.textContent()).toMatch(/stderr: UserWarning/)
    // Scrolled to the end: the last line is in view.
    expect(await panel.evaluate((el) => Math.abs(el.scrollHeight - el.scrollTop - el.clientHeight) < 2)).toBe(true)
    await panel.screenshot({ path: join(SHOTS, 'console-1-finished.png') })

    // The crashed run was started from a dirty tree.
    await page.goto(`${url}/?project=demo&run=${ids.get('no-augment')}`)
    await page.locator('.run-facts [data-fact="git"] .git-dirty').waitFor()

    // A failed run's traceback, on stderr, at the end of the panel.
    await page.goto(`${url}/?project=demo&run=${ids.get('big-batch')}`)
    await page.getByRole('list', { name: 'Console output' }).scrollIntoViewIfNeeded()
    await lines(page).last().waitFor()
    expect(await lines(page).last().textContent()).toMatch(/^stderr: RuntimeError: CUDA out of memory/)
    expect(await page.locator('ol.console-lines li.stderr', { hasText: 'Traceback (most recent call last):' }).count()).toBe(1)
    await page.locator('section.run-console').screenshot({ path: join(SHOTS, 'console-2-traceback.png') })

    // The live run: its real git state, and lines its process prints arriving without a reload.
    const liveId = ids.get('long-cosine') as string
    await page.goto(`${url}/?project=demo&run=${liveId}`)
    await page.locator('.run-facts [data-fact="git"] .git-commit').waitFor()
    await page.getByRole('list', { name: 'Console output' }).scrollIntoViewIfNeeded()
    await lines(page)
      .filter({ hasText: /^step \d+\/20000/ })
      .first()
      .waitFor()
    const seen = await lastSeq(page)
    await page.locator(`ol.console-lines li[data-seq="${seen + 1}"]`).waitFor({ timeout: 15_000 })
    expect(await page.locator(`ol.console-lines li[data-seq="${seen + 1}"]`).textContent()).toMatch(/^step \d+\/20000 {2}loss/)
    await page.locator('section.run-console').screenshot({ path: join(SHOTS, 'console-3-live.png') })

    // A run that recorded no console output says how to record it.
    const quiet = init({ project: 'demo', name: 'quiet-run', dir, quiet: true })
    await quiet.finish()
    // The dashboard's server ingests the spool in the background: wait until it has the run.
    while ((await fetch(`${url}/api/v1/runs/${quiet.id}`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
    await page.goto(`${url}/?project=demo&run=${quiet.id}`)
    await page.getByRole('heading', { name: 'quiet-run', level: 1 }).waitFor()
    const empty = page.locator('section.run-console .empty-console')
    await empty.scrollIntoViewIfNeeded()
    expect(await empty.textContent()).toBe(
      'No console output recorded. Runs keep their stdout and stderr unless capture is off (init({ capture: { console: false } }) or TALLY_CAPTURE_CONSOLE=0). A run that printed nothing has nothing to show.',
    )
    await page.locator('section.run-console').screenshot({ path: join(SHOTS, 'console-4-empty.png') })

    expect(errors).toEqual([])
  })
})
