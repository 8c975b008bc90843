/**
 * Trackio's embedding URL, all of its parameters at once, as an iframe would load it:
 * `project`, `metrics`, `runs`, `sidebar`, `smoothing` (Trackio's 0–20 window), `xmin`,
 * `xmax`, `x_axis` and `theme`. The page must show exactly the view they ask for.
 * Screenshots go to test-output/dashboard/embed-*.png.
 */
import { join } from 'node:path'
import type { RunJson } from '@tally/sdk'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { closeBrowser, demoServer, killChildren, newPage, recordSeriesReads, SHOTS } from './browser-helpers.js'

afterAll(closeBrowser)
afterEach(killChildren)

describe("Trackio's embedding parameters, in Chromium", () => {
  it('shows the metrics, runs, range, x axis, smoothing and theme the URL asks for, without the runs panel', async () => {
    const { url } = await demoServer()
    const { page, errors } = await newPage({ width: 900, height: 700 })
    const { runs } = (await (await fetch(`${url}/api/v1/workspaces/default/projects/demo/runs`)).json()) as { runs: RunJson[] }
    const id = (name: string) => (runs.find((r) => r.name === name) as RunJson).id
    const reads = recordSeriesReads(page)
    // The page's first runs are asked for once: the server's Link preload, taken by the script's own ask.
    const firstRuns: string[] = []
    page.on('request', (r) => {
      if (r.url().includes('/projects/demo/runs?') && r.url().includes('limit=100&offset=0')) firstRuns.push(r.url())
    })

    await page.goto(
      `${url}/?project=demo&metrics=loss,acc&runs=baseline,high-lr&sidebar=hidden&smoothing=5&xmin=100&xmax=400&x_axis=train/epoch&theme=dark`,
    )
    const loss = page.locator('.chart[data-metric="train/loss"]')
    await loss.scrollIntoViewIfNeeded()
    await page.locator('.chart[data-metric="train/loss"][data-state="ready"]').waitFor()

    expect(firstRuns).toHaveLength(1)
    // metrics=loss,acc: the keys holding either word, in their sections.
    expect(await page.$$eval('.chart', (els) => els.map((e) => e.getAttribute('data-metric')))).toEqual([
      'train/acc',
      'train/loss',
      'val/acc',
      'val/loss',
    ])
    // runs=: those two alone, in every chart.
    expect(await loss.locator('.chart-legend li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-run-id')).sort())).toEqual(
      [id('baseline'), id('high-lr')].sort(),
    )
    // sidebar=hidden: no runs table, no filter.
    expect(await page.locator('table.runs').count()).toBe(0)
    expect(await page.getByRole('searchbox', { name: 'Filter runs' }).count()).toBe(0)
    // smoothing=5 is Trackio's 5-point window: the EMA of the same span, 4/6.
    expect(await page.getByRole('slider', { name: 'Smoothing' }).inputValue()).toBe('0.667')
    // x_axis: the chart draws against train/epoch.
    expect(await page.getByRole('combobox', { name: 'X axis' }).inputValue()).toBe('train/epoch')
    expect(await loss.getAttribute('data-x-axis')).toBe('train/epoch')
    // xmin/xmax: steps 100 to 400, read at full resolution (one point a step for train/loss).
    await page.getByRole('button', { name: 'Reset zoom (steps 100–400)' }).waitFor()
    const baselineLoss = loss.locator(`li[data-run-id="${id('baseline')}"]`)
    await baselineLoss.waitFor()
    expect(await baselineLoss.getAttribute('data-points')).toBe('301')
    const zoomed = reads.filter((r) => r.key === 'train/loss' && r.run === id('baseline') && r.from === 100)
    expect(zoomed.length).toBeGreaterThan(0)
    expect(zoomed.every((r) => r.to === 400)).toBe(true)
    // theme=dark: the page is dark, and links it makes keep the theme.
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark')
    expect(await page.evaluate('getComputedStyle(document.documentElement).backgroundColor')).toBe('rgb(18, 21, 27)')
    expect(await page.getByRole('link', { name: 'Projects' }).getAttribute('href')).toContain('theme=dark')
    await page.screenshot({ path: join(SHOTS, 'embed-1-dark.png'), fullPage: true })

    // theme=light wins over a dark system preference; without theme=, the system's is followed.
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.goto(`${url}/?project=demo&metrics=loss&theme=light&sidebar=collapsed`)
    await page.locator('.chart[data-metric="train/loss"]').waitFor()
    expect(await page.locator('html').getAttribute('data-theme')).toBe('light')
    await page.goto(`${url}/?project=demo&metrics=loss&sidebar=collapsed`)
    await page.locator('.chart[data-metric="train/loss"]').waitFor()
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark')
    await page.emulateMedia({ colorScheme: 'light' })
    await page.locator('html[data-theme="light"]').waitFor({ state: 'attached' })
    await page.screenshot({ path: join(SHOTS, 'embed-2-collapsed.png') })
    expect(errors).toEqual([])
    await page.close()
  })
})
