/**
 * The runs panel of the project page in Chromium: selecting runs (the bar and its Compare
 * link), hiding runs from the charts, grouping, the `runs=` and `sidebar=` embedding
 * parameters, and 10,000 runs in a table that keeps only a window of rows in the DOM.
 */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { writeManyRuns } from '../demo/many-runs.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import { closeBrowser, demoServer, killChildren, newPage, SHOTS, track } from './browser-helpers.js'
import { CLI_DIST, freshDir, startNode } from './test-helpers.js'

afterAll(closeBrowser)
afterEach(killChildren)

/** The run rows drawn now, as names, in order (group headers and spacers left out). */
async function names(page: Page): Promise<string[]> {
  return page.$$eval('table.runs tbody tr[data-row="run"] td.name', (tds) => tds.map((td) => td.textContent?.trim() ?? ''))
}

/** The runs a chart's legend lists, by id, once the chart is in view and drawn. */
async function legend(page: Page, metric: string): Promise<string[]> {
  const chart = page.locator(`.chart[data-metric="${metric}"]`)
  await chart.scrollIntoViewIfNeeded()
  await page.locator(`.chart[data-metric="${metric}"][data-state="ready"]`).waitFor()
  return chart.locator('.chart-legend li[data-run-id]').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-run-id') ?? '').sort())
}

const param = (page: Page, name: string): string | null => new URL(page.url()).searchParams.get(name)

describe('the runs panel, in Chromium', () => {
  it('selects runs: a bar with the count, a Compare link, Chart only these, and Clear; all in the URL', async () => {
    const { url, ids } = await demoServer()
    const { page, errors } = await newPage()
    await page.goto(`${url}/?project=demo`)
    await page.locator('table.runs tbody tr').nth(7).waitFor()
    const all = page.getByRole('checkbox', { name: 'Select every shown run' })
    expect(await all.isChecked()).toBe(false)

    await page.getByRole('checkbox', { name: 'Select baseline' }).check()
    await page.getByRole('checkbox', { name: 'Select high-lr' }).check()
    await page.waitForURL(/sel=/)
    const baseline = ids.get('baseline') as string
    const highLr = ids.get('high-lr') as string
    expect(param(page, 'sel')).toBe(`${baseline},${highLr}`)
    const bar = page.getByRole('region', { name: 'Selected runs' })
    expect(await bar.getByRole('status').textContent()).toBe('2 selected')
    const compare = new URL((await bar.getByRole('link', { name: 'Compare' }).getAttribute('href')) as string, url)
    expect(compare.pathname).toBe('/')
    expect([...compare.searchParams]).toEqual([
      ['project', 'demo'],
      ['compare', `${baseline},${highLr}`],
    ])
    // Some of the shown runs are selected: the select-all box says so.
    expect(await all.evaluate((el) => (el as { indeterminate: boolean }).indeterminate)).toBe(true)
    expect(await page.locator('table.runs tr.selected').count()).toBe(2)
    await page.screenshot({ path: join(SHOTS, 'runs-1-selected.png') })

    // A reload keeps the selection.
    await page.reload()
    await page.locator('table.runs tr.selected').nth(1).waitFor()
    expect(await bar.getByRole('status').textContent()).toBe('2 selected')

    // Chart only these: the page keeps just the two runs, by name.
    await bar.getByRole('button', { name: 'Chart only these' }).click()
    await page.waitForURL(/runs=/)
    expect(param(page, 'runs')).toBe('baseline,high-lr')
    await expect.poll(() => names(page)).toEqual(['high-lr', 'baseline'])
    expect(await legend(page, 'train/loss')).toEqual([baseline, highLr].sort())

    // Select all selects the shown runs; Clear lets every one go.
    await page.getByRole('checkbox', { name: 'Select every shown run' }).check()
    await page.getByRole('button', { name: 'Clear' }).click()
    await page.waitForURL((u) => !u.searchParams.has('sel'))
    expect(await bar.count()).toBe(0)
    expect(errors).toEqual([])
    await page.close()
  })

  it('hides a run from the charts: still in the table, dimmed, and gone from the legend', async () => {
    const { url, ids } = await demoServer()
    const { page, errors } = await newPage()
    await page.goto(`${url}/?project=demo`)
    await page.locator('table.runs tbody tr').nth(7).waitFor()
    const baseline = ids.get('baseline') as string
    expect(await legend(page, 'train/loss')).toContain(baseline)

    const eye = page.getByRole('button', { name: 'Hide baseline' })
    await eye.scrollIntoViewIfNeeded()
    await eye.click()
    await page.waitForURL(/hide=/)
    expect(param(page, 'hide')).toBe(baseline)
    expect(await eye.getAttribute('aria-pressed')).toBe('true')
    expect(await page.locator(`table.runs tr.hidden-run[data-run-id="${baseline}"]`).count()).toBe(1)
    await expect.poll(() => legend(page, 'train/loss')).not.toContain(baseline)
    expect(await legend(page, 'train/loss')).toHaveLength(ids.size - 1)
    await page.screenshot({ path: join(SHOTS, 'runs-2-hidden.png'), fullPage: true })

    // By keyboard: the eye is a button; pressing it again charts the run again.
    await eye.focus()
    await page.keyboard.press('Enter')
    await page.waitForURL((u) => !u.searchParams.has('hide'))
    await expect.poll(() => legend(page, 'train/loss')).toContain(baseline)
    expect(errors).toEqual([])
    await page.close()
  })

  it('groups by tag, a run under each of its tags, and folds a group from the keyboard', async () => {
    const { url, ids } = await demoServer()
    const { page, errors } = await newPage()
    await page.goto(`${url}/?project=demo`)
    await page.locator('table.runs tbody tr').nth(7).waitFor()
    await page.getByLabel('Group by').selectOption('tag')
    await page.waitForURL(/group_by=tag/)
    const groups = (): Promise<string[]> =>
      page.$$eval('table.runs tr.group-row', (trs) =>
        trs.map((tr) => tr.querySelector('button')?.textContent?.replace(/^[▾▸]/, '').trim() ?? ''),
      )
    expect(await groups()).toEqual([
      'tag: ablation (1 run)',
      'tag: adam (3 runs)',
      'tag: adamw (4 runs)',
      'tag: demo (8 runs)',
      'tag: sgd (1 run)',
      'tag: sweep (2 runs)',
    ])
    // wd-0.1 is tagged demo, adamw and sweep: it is under each.
    expect((await names(page)).filter((n) => n === 'wd-0.1')).toHaveLength(3)
    expect(await page.locator(`table.runs tr[data-run-id="${ids.get('wd-0.1')}"]`).count()).toBe(3)
    await page.screenshot({ path: join(SHOTS, 'runs-3-grouped-by-tag.png') })

    // Fold "demo" from the keyboard: its 8 rows go, the header stays and says it is folded.
    const demo = page.locator('table.runs tr.group-row[data-group="demo"] button')
    await demo.focus()
    await page.keyboard.press('Enter')
    expect(await demo.getAttribute('aria-expanded')).toBe('false')
    expect(await names(page)).toHaveLength(1 + 3 + 4 + 1 + 2)
    await page.keyboard.press('ArrowRight')
    expect(await demo.getAttribute('aria-expanded')).toBe('true')
    expect(await names(page)).toHaveLength(1 + 3 + 4 + 8 + 1 + 2)
    await page.keyboard.press('ArrowLeft')
    expect(await names(page)).toHaveLength(11)
    await page.screenshot({ path: join(SHOTS, 'runs-4-group-folded.png') })

    // By a config key, with the runs that lack it under "(none)"; the choice survives a reload.
    await page.goto(`${url}/?project=demo&group_by=config.optimizer`)
    await page.locator('table.runs tr.group-row').first().waitFor()
    expect(await groups()).toEqual(['config.optimizer: adam (3 runs)', 'config.optimizer: adamw (4 runs)', 'config.optimizer: sgd (1 run)'])
    expect(await page.getByLabel('Group by').inputValue()).toBe('config.optimizer')
    expect(errors).toEqual([])
    await page.close()
  })

  it('reads runs= (names or ids) and sidebar=hidden|collapsed from the URL', async () => {
    const { url, ids } = await demoServer()
    const { page, errors } = await newPage()
    const sgd = ids.get('sgd-momentum') as string
    await page.goto(`${url}/?project=demo&runs=baseline,${sgd}`)
    await expect.poll(() => names(page)).toEqual(['sgd-momentum', 'baseline'])
    expect(await page.locator('.runs-scope').textContent()).toContain('2 of 8')
    expect(await legend(page, 'train/loss')).toEqual([ids.get('baseline') as string, sgd].sort())
    await page.screenshot({ path: join(SHOTS, 'runs-5-runs-param.png'), fullPage: true })

    // sidebar=hidden: the charts alone, for an iframe.
    await page.goto(`${url}/?project=demo&runs=baseline&sidebar=hidden`)
    await page.locator('.chart').first().waitFor()
    expect(await legend(page, 'train/loss')).toEqual([ids.get('baseline')])
    expect(await page.locator('table.runs').count()).toBe(0)
    expect(await page.getByRole('searchbox', { name: 'Filter runs' }).count()).toBe(0)
    await page.screenshot({ path: join(SHOTS, 'runs-6-sidebar-hidden.png'), fullPage: true })

    // sidebar=collapsed: one line that opens the panel.
    await page.goto(`${url}/?project=demo&sidebar=collapsed`)
    const folded = page.getByRole('button', { name: '8 runs · show' })
    await folded.waitFor()
    expect(await page.locator('table.runs').count()).toBe(0)
    await page.screenshot({ path: join(SHOTS, 'runs-7-sidebar-collapsed.png') })
    await folded.click()
    await page.waitForURL((u) => !u.searchParams.has('sidebar'))
    await page.locator('table.runs tbody tr').nth(7).waitFor()
    // And folds again from the toolbar.
    await page.getByRole('button', { name: 'Fold the runs' }).click()
    await page.waitForURL(/sidebar=collapsed/)
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows 10,000 runs: the first rows at once, the last one at the end of the scroll, a window of rows in the DOM', async () => {
    const dir = freshDir('tally-many-')
    const store = openSqliteStore(join(dir, 'tally.db'))
    const runs = await writeManyRuns(store, 10_000, { project: 'many' })
    await store.close()
    const ui = track(startNode(CLI_DIST, { TALLY_DIR: dir }, ['ui', '--port', '0']))
    const url = (await ui.waitFor(/listening on/)).match(/http:\/\/\S+/)?.[0] as string
    const { page, errors } = await newPage()

    await page.goto(`${url}/?project=many`)
    const newest = runs[runs.length - 1]?.name as string
    await page.locator('table.runs tbody tr[data-row="run"]').first().waitFor()
    expect((await names(page))[0]).toBe(newest)
    await page.getByText('10000 runs', { exact: true }).waitFor()
    const drawn = await page.locator('table.runs tbody tr[data-row]').count()
    expect(drawn).toBeGreaterThan(5)
    expect(drawn).toBeLessThan(100)
    expect(await page.locator('table.runs').getAttribute('aria-rowcount')).toBe('10001')
    await page.screenshot({ path: join(SHOTS, 'runs-8-ten-thousand.png') })

    // Scroll the table's own box to the end: the oldest run is the last row.
    const scroller = page.locator('.runs-scroll')
    await scroller.evaluate((el) => {
      el.scrollTop = el.scrollHeight
    })
    const oldest = runs[0]?.name as string
    await page.locator('table.runs tbody tr[data-row="run"] td.name', { hasText: oldest }).waitFor()
    expect((await names(page)).at(-1)).toBe(oldest)
    expect(await page.locator('table.runs tbody tr[data-row]').count()).toBeLessThan(100)
    await page.screenshot({ path: join(SHOTS, 'runs-9-ten-thousand-end.png') })

    // Sorting 10,000 in the browser: by name ascending, the oldest name comes first.
    await page.getByRole('button', { name: /^Name/ }).click()
    await page.waitForURL(/sort=name/)
    await scroller.evaluate((el) => {
      el.scrollTop = 0
    })
    await expect.poll(async () => (await names(page))[0]).toBe(oldest)
    expect(errors).toEqual([])
    await page.close()
  })
})
