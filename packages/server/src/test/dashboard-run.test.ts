/**
 * The run page in Chromium: opened from the URL the SDK prints for a run, it shows the
 * run's status, where and how it ran, its config (searchable), summary and results, a
 * chart per metric, and a failed run's error; live, it follows a training run's points and
 * status without a reload. Screenshots go to test-output/dashboard/run-*.png.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { RunJson } from '@tally/sdk'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { apiOf, closeBrowser, demoServer, killChildren, newPage, runIdOf, SHOTS, track, trainerScript, until } from './browser-helpers.js'
import { startNode } from './test-helpers.js'

afterAll(closeBrowser)
afterEach(killChildren)

const fact = (page: Page, label: string) => page.locator(`.run-facts [data-fact="${label}"] dd`)

describe('the run page, in Chromium', () => {
  it('opens from the SDK’s run URL and shows the run: status, host, command, config, summary, charts', async () => {
    const { url, ids } = await demoServer()
    const { page, errors } = await newPage()
    const api = apiOf(url)

    // The run training live, from the path the SDK prints; the address bar gets the canonical URL.
    const liveId = ids.get('long-cosine') as string
    await page.goto(`${url}/default/demo/runs/${liveId}`)
    await page.waitForURL(new RegExp(`/\\?project=demo&run=${liveId}$`))
    await page.getByRole('heading', { name: 'long-cosine', level: 1 }).waitFor()
    expect(await page.locator('.run-head .status').textContent()).toBe('running')
    expect(await fact(page, 'host').textContent()).toBe(hostname())
    expect(await fact(page, 'command').textContent()).toMatch(/node\S* \S*live-run\.js$/)
    expect(Number(await fact(page, 'pid').textContent())).toBeGreaterThan(0)
    expect(await fact(page, 'runtime').textContent()).toMatch(/node/)
    await page.screenshot({ path: join(SHOTS, 'run-1-live.png'), fullPage: true })

    // A finished run: its config, searchable by key and value; summary and results as the API has them.
    const baselineId = ids.get('baseline') as string
    const baseline = await api<RunJson>(`/runs/${baselineId}`)
    await page.goto(`${url}/?project=demo&run=${baselineId}`)
    await page.getByRole('heading', { name: 'baseline', level: 1 }).waitFor()
    expect(await page.locator('.run-head .status').textContent()).toBe('finished')
    const configKeys = () => page.$$eval('table.config tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-path')))
    expect(await configKeys()).toEqual(Object.keys(baseline.config).sort((a, b) => a.localeCompare(b)))
    const search = page.getByRole('searchbox', { name: 'Search config' })
    await search.fill('optim')
    expect(await configKeys()).toEqual(['optimizer'])
    expect(await page.locator('table.config tr[data-path="optimizer"] td').textContent()).toBe('adam')
    await search.fill('0.001')
    expect(await configKeys()).toEqual(['lr'])
    await page.screenshot({ path: join(SHOTS, 'run-2-config-search.png') })
    await search.press('Escape')
    expect(await configKeys()).toHaveLength(Object.keys(baseline.config).length)

    const summary = page.locator('table[data-table="summary"]')
    expect(await summary.locator('tbody tr').count()).toBe(Object.keys(baseline.summary).length)
    for (const [key, value] of Object.entries(baseline.summary)) {
      expect(await summary.locator(`tr[data-key="${key}"] td`).textContent()).toBe(String(value))
    }
    expect(await page.locator('table[data-table="results"] tr[data-key="test_acc"] td').textContent()).toBe(
      String(baseline.results.test_acc),
    )

    // A chart per metric key, each drawn from the run's buckets.
    const keys = (await api<{ key: string }[]>(`/runs/${baselineId}/keys`)).map((k) => k.key).sort()
    expect((await page.$$eval('.chart', (els) => els.map((e) => e.getAttribute('data-metric')))).sort()).toEqual(keys)
    for (const key of keys) {
      const chart = page.locator(`.chart[data-metric="${key}"]`)
      await chart.scrollIntoViewIfNeeded()
      await page.locator(`.chart[data-metric="${key}"][data-state="ready"]`).waitFor()
      expect(await chart.locator(`.chart-legend li[data-run-id="${baselineId}"]`).count()).toBe(1)
    }
    await page.screenshot({ path: join(SHOTS, 'run-3-finished.png'), fullPage: true })

    // Back to the project, by keyboard.
    await page.locator('nav.crumbs a', { hasText: 'demo' }).focus()
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/\?project=demo$/)
    await page.locator('table.runs tbody tr').nth(7).waitFor()
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows a failed run’s error, and opens the project for a run that is not there', async () => {
    const { url, ids } = await demoServer()
    const { page, errors } = await newPage()
    await page.goto(`${url}/default/demo/runs/${ids.get('big-batch')}`)
    await page.getByRole('heading', { name: 'big-batch', level: 1 }).waitFor()
    expect(await page.locator('.run-head .status').textContent()).toBe('failed')
    const alert = page.getByRole('alert', { name: 'Error' })
    expect(await alert.textContent()).toContain('RuntimeError: CUDA out of memory')
    await page.screenshot({ path: join(SHOTS, 'run-4-failed.png'), fullPage: true })

    await page.goto(`${url}/default/demo/runs/no-such-run`)
    await page.waitForURL(/\/\?project=demo$/)
    await page.locator('table.runs tbody tr').nth(7).waitFor()
    // From the runs table, a run's name opens its page.
    await page.getByRole('link', { name: 'big-batch' }).click()
    await page.getByRole('heading', { name: 'big-batch', level: 1 }).waitFor()
    expect(page.url()).toContain(`run=${ids.get('big-batch')}`)
    expect(errors.filter((e) => !e.includes('404'))).toEqual([])
    await page.close()
  })

  it('shows a dirty run’s git state and saves its uncommitted diff as a .patch file', async () => {
    const { url, ids } = await demoServer()
    const { page, errors } = await newPage()
    const id = ids.get('no-augment') as string
    const run = await apiOf(url)<RunJson & { system: { git: { commit: string; diff: string } } }>(`/runs/${id}`)
    await page.goto(`${url}/?project=demo&run=${id}`)
    const git = fact(page, 'git')
    await git.locator('.git-dirty').waitFor()
    expect(await git.locator('.git-commit').textContent()).toBe(run.system.git.commit.slice(0, 8))
    await git.locator('summary').click()
    expect(await git.locator('pre code').textContent()).toBe(run.system.git.diff)
    const [download] = await Promise.all([page.waitForEvent('download'), git.getByRole('button', { name: 'Download .patch' }).click()])
    expect(download.suggestedFilename()).toBe(`${run.system.git.commit.slice(0, 8)}-dirty.patch`)
    const saved = await download.path()
    expect(readFileSync(saved, 'utf8')).toBe(run.system.git.diff)
    expect(errors).toEqual([])
    await page.close()
  })

  it('follows a run while it trains: its chart grows and its status flips to finished, without a reload', async () => {
    const { dir, url } = await demoServer()
    const trainer = track(startNode(trainerScript(dir, 'watched'), {}))
    const id = await runIdOf(trainer)
    const { page, errors } = await newPage()
    let navigations = 0
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++
    })
    await page.goto(`${url}/?project=demo&run=${id}`)
    await page.getByRole('heading', { name: 'watched', level: 1 }).waitFor()
    const loss = page.locator('.chart[data-metric="train/loss"]')
    await loss.scrollIntoViewIfNeeded()
    const item = loss.locator(`.chart-legend li[data-run-id="${id}"]`)
    await item.waitFor()
    const before = Number(await item.getAttribute('data-points'))
    await until('the chart grew by 20 points', async () => Number(await item.getAttribute('data-points')) >= before + 20)
    expect(await page.locator('.run-head .status').textContent()).toBe('running')

    writeFileSync(join(dir, 'stop-watched'), '')
    await trainer.exited
    await until('the page says finished', async () => (await page.locator('.run-head .status').textContent()) === 'finished')
    const all = (await (await fetch(`${url}/api/v1/runs/${id}/series?key=train/loss`)).json()) as { steps: number[] }
    await until('the chart holds every point', async () => Number(await item.getAttribute('data-points')) === all.steps.length)
    expect(navigations).toBe(1)
    await page.screenshot({ path: join(SHOTS, 'run-5-followed.png'), fullPage: true })
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)
})
