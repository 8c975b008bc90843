/**
 * The dashboard in a real browser: `tally ui` runs as a child process on a demo directory
 * (past runs plus one training live in another process), and Debian's Chromium, driven by
 * playwright-core, opens it as a person would. Screenshots go to test-output/dashboard/.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunJson } from '@tally/sdk'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  apiOf,
  closeBrowser,
  demoServer,
  killChildren,
  newPage,
  recordSeriesReads,
  runIdOf,
  SHOTS,
  track,
  trainerScript,
  until,
} from './browser-helpers.js'
import { cliJson, freshDir, REPO, startNode } from './test-helpers.js'

const DEMO_DIST = join(REPO, 'packages/server/dist/demo/demo.js')

afterAll(closeBrowser)
afterEach(killChildren)

/** Each row of the runs table as [name, status]. */
async function rows(page: Page): Promise<[string, string][]> {
  return page.$$eval('table.runs tbody tr', (trs) =>
    trs.map((tr) => [tr.querySelector('td.name')?.textContent?.trim() ?? '', tr.querySelector('.status')?.textContent?.trim() ?? '']),
  )
}

describe('the dashboard, in Chromium', () => {
  it('lists the project, shows its runs, sorts and filters them, and keeps the view in the URL', async () => {
    const { url, names } = await demoServer()
    const { page, errors } = await newPage()

    await page.goto(`${url}/`)
    await page.getByRole('heading', { name: 'Projects' }).waitFor()
    const project = page.getByRole('link', { name: /demo/ })
    await project.waitFor()
    expect(await project.textContent()).toContain('8 runs')
    await page.screenshot({ path: join(SHOTS, '1-projects.png') })

    await project.click()
    await page.waitForURL(/\?project=demo$/)
    await page.getByRole('heading', { name: 'demo' }).waitFor()
    await page.locator('table.runs tbody tr').nth(7).waitFor()
    const shown = await rows(page)
    expect(new Map(shown)).toEqual(names)
    // Newest first: the run training now.
    expect(shown[0]).toEqual(['long-cosine', 'running'])
    await page.screenshot({ path: join(SHOTS, '2-project-runs.png'), fullPage: true })

    // Sort by name: a click, then a second click flips the order.
    const byName = page.getByRole('button', { name: /^Name/ })
    await byName.click()
    await page.waitForURL(/sort=name/)
    const sorted = [...names.keys()].sort((a, b) => a.localeCompare(b))
    expect((await rows(page)).map(([n]) => n)).toEqual(sorted)
    await byName.click()
    await page.waitForURL(/order=desc/)
    expect((await rows(page)).map(([n]) => n)).toEqual([...sorted].reverse())
    expect(await page.locator('th[aria-sort="descending"]').textContent()).toContain('Name')

    // Filter: every word must match somewhere in name, status, group or tags.
    await page.getByRole('searchbox', { name: 'Filter runs' }).fill('sweep')
    await page.waitForURL(/q=sweep/)
    expect(await rows(page)).toEqual([
      ['wd-0.1', 'finished'],
      ['wd-0.01', 'finished'],
    ])
    const colors = await swatches(page)

    // A reload shows the same view: the URL holds it.
    const viewUrl = page.url()
    expect(new URL(viewUrl).search).toBe('?project=demo&sort=name&order=desc&q=sweep')
    await page.reload()
    await page.locator('table.runs tbody tr').first().waitFor()
    expect(page.url()).toBe(viewUrl)
    expect(await rows(page)).toEqual([
      ['wd-0.1', 'finished'],
      ['wd-0.01', 'finished'],
    ])
    expect(await page.getByRole('searchbox', { name: 'Filter runs' }).inputValue()).toBe('sweep')
    expect(await swatches(page)).toEqual(colors)
    await page.screenshot({ path: join(SHOTS, '3-sorted-filtered-after-reload.png') })

    // The keyboard reaches it all: "/" focuses the filter, Escape clears it, Tab reaches the headers.
    await page.locator('h1').click()
    await page.keyboard.press('/')
    expect(await page.locator(':focus').getAttribute('type')).toBe('search')
    await page.keyboard.press('Escape')
    await page.waitForURL((u) => !u.search.includes('q='))
    expect(await rows(page)).toHaveLength(8)
    // From the filter, Tab goes through the condition box and the Columns control to the headers.
    await page.keyboard.press('Tab')
    expect(await page.locator(':focus').getAttribute('name')).toBe('where')
    await page.keyboard.press('Tab')
    expect(await page.locator(':focus').textContent()).toMatch(/^Columns/)
    await page.keyboard.press('Tab')
    expect(await page.locator(':focus').textContent()).toMatch(/^Name/)
    await page.keyboard.press('Enter')
    await page.waitForURL((u) => !u.search.includes('order=desc'))
    expect((await rows(page)).map(([n]) => n)).toEqual(sorted)

    // Each run keeps one colour, told apart from the others.
    const all = await swatches(page)
    expect(new Set(Object.values(all)).size).toBe(8)
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows config and summary keys as columns, sorts by them, filters by conditions, all from the URL', async () => {
    const { url } = await demoServer()
    const { page, errors } = await newPage({ width: 1400, height: 900 })
    const { runs } = (await (await fetch(`${url}/api/v1/workspaces/default/projects/demo/runs`)).json()) as { runs: RunJson[] }
    const lrOf = new Map(runs.map((r) => [r.name, r.config.lr]))

    await page.goto(`${url}/?project=demo`)
    await page.locator('table.runs tbody tr').nth(7).waitFor()
    await page.locator('.column-picker summary').click()
    await page.getByRole('checkbox', { name: 'config.lr' }).check()
    await page.waitForURL(/cols=config.lr/)
    await page.getByRole('checkbox', { name: 'summary.train/loss' }).check()
    await page.waitForURL(/cols=config.lr%2Csummary.train%2Floss/)
    await page.locator('.column-picker summary').click()
    expect(await page.$$eval('table.runs thead th button', (bs) => bs.map((b) => b.getAttribute('data-column')))).toEqual([
      'name',
      'status',
      'group',
      'tags',
      'created',
      'duration',
      'config.lr',
      'summary.train/loss',
    ])
    const cells = (field: string) =>
      page.$$eval(`table.runs tbody td[data-field="${field}"]`, (tds) => tds.map((td) => td.getAttribute('title')))

    // Sorted by config.lr: numerically, as the API gives the values, both ways.
    const lrs = [...lrOf.values()].filter((v): v is number => typeof v === 'number').sort((a, b) => a - b)
    expect(lrs.length).toBeGreaterThan(2)
    await page.getByRole('button', { name: /^config\.lr/ }).click()
    await page.waitForURL(/sort=config.lr/)
    expect((await cells('config.lr')).map(Number)).toEqual(lrs)
    for (const [name, lr] of await page.$$eval('table.runs tbody tr', (trs) =>
      trs.map((tr) => [
        tr.querySelector('td.name')?.textContent?.trim() ?? '',
        tr.querySelector('td[data-field="config.lr"]')?.getAttribute('title'),
      ]),
    )) {
      expect(Number(lr), name as string).toBe(lrOf.get(name as string))
    }
    await page.getByRole('button', { name: /^config\.lr/ }).click()
    await page.waitForURL(/order=desc/)
    expect((await cells('config.lr')).map(Number)).toEqual([...lrs].reverse())

    // A condition keeps exactly the runs the server's where would.
    const box = page.getByRole('searchbox', { name: 'Conditions' })
    await box.fill('config.lr > 0.001')
    await page.waitForURL(/where=config.lr/)
    const expected = runs.filter((r) => typeof r.config.lr === 'number' && r.config.lr > 0.001).map((r) => r.name)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(runs.length)
    await expect.poll(async () => (await rows(page)).map(([n]) => n).sort()).toEqual([...expected].sort())

    // A malformed one says what is wrong, and hides nothing.
    await box.fill('config.lr >')
    const error = page.locator('#where-error')
    await error.waitFor()
    expect(await error.textContent()).toContain('has no value after >')
    await page.screenshot({ path: join(SHOTS, '12-columns-conditions-error.png') })
    await box.fill('config.lr > 0.001; status = finished')
    await error.waitFor({ state: 'detached' })
    const finished = runs.filter((r) => expected.includes(r.name) && r.status === 'finished').map((r) => r.name)
    await expect.poll(async () => (await rows(page)).map(([n]) => n).sort()).toEqual([...finished].sort())

    // A reload shows the same view.
    const viewUrl = page.url()
    await page.reload()
    await page.locator('table.runs tbody tr').first().waitFor()
    expect(page.url()).toBe(viewUrl)
    expect((await rows(page)).map(([n]) => n).sort()).toEqual([...finished].sort())
    expect(await box.inputValue()).toBe('config.lr > 0.001; status = finished')
    expect(await page.locator('table.runs thead th[aria-sort="descending"]').textContent()).toContain('config.lr')
    expect(await page.locator('table.runs thead th').nth(7).textContent()).toBe('summary.train/loss')
    await page.screenshot({ path: join(SHOTS, '12-columns-conditions.png') })
    expect(errors).toEqual([])
    await page.close()
  })

  it('says what to do when a project has no runs and when the server is gone', async () => {
    const { url, ui } = await demoServer()
    const { page } = await newPage()
    await page.goto(`${url}/?project=no-such-project`)
    await page.getByRole('heading', { name: 'No runs in no-such-project yet' }).waitFor()
    expect(await page.locator('main').textContent()).toContain('tally.init({ project: "no-such-project" })')
    await page.screenshot({ path: join(SHOTS, '4-empty-project.png') })

    await page.locator('.live-status[data-status="live"]').waitFor()
    ui.proc.kill('SIGKILL')
    await ui.exited
    // The live stream dropped: the page says so, and keeps trying with backoff.
    await page.locator('.live-status[data-status="reconnecting"]').waitFor()
    await page.getByRole('button', { name: 'reload' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/Cannot reach the Tally server.*tally ui.*still running/)
    await page.screenshot({ path: join(SHOTS, '5-server-gone.png') })
    await page.close()
  })

  it('charts every metric key, shows exact values on hover, smooths and zooms, all from the URL', async () => {
    const { url } = await demoServer()
    const { page, errors } = await newPage({ width: 1400, height: 1000 })
    const api = apiOf(url)
    const { runs } = await api<{ runs: RunJson[] }>('/workspaces/default/projects/demo/runs')
    const baseline = runs.find((r) => r.name === 'baseline') as RunJson
    const raw = (key: string, from: number, to: number) =>
      api<{ steps: number[]; values: (number | string)[] }>(
        `/runs/${baseline.id}/series?key=${encodeURIComponent(key)}&from=${from}&to=${to}`,
      )

    await page.goto(`${url}/?project=demo`)
    const loss = page.locator('.chart[data-metric="train/loss"]')
    // A chart reads its data once scrolled near, as a user would scroll to it.
    await loss.scrollIntoViewIfNeeded()
    await page.locator('.chart[data-metric="train/loss"][data-state="ready"]').waitFor()
    expect(await page.$$eval('.chart-section', (els) => els.map((e) => e.getAttribute('data-section')))).toEqual(['system', 'train', 'val'])
    expect(await page.$$eval('.chart', (els) => els.map((e) => e.getAttribute('data-metric')))).toEqual([
      'system/cpu_percent',
      'system/gpu_memory_gb',
      'system/gpu_util_percent',
      'system/memory_gb',
      'train/acc',
      'train/epoch',
      'train/loss',
      'train/lr',
      'val/acc',
      'val/loss',
    ])
    await page.screenshot({ path: join(SHOTS, '6-charts.png'), fullPage: true })

    // Hover: the legend shows each run's value at the hovered step, exactly as the API has it.
    const over = loss.locator('.u-over')
    await loss.scrollIntoViewIfNeeded()
    const box = (await over.boundingBox()) as { x: number; y: number; width: number; height: number }
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2)
    const item = loss.locator(`.chart-legend[data-step] li[data-run-id="${baseline.id}"]`)
    await item.waitFor()
    // Read at one instant: the live run's new points can move the hovered step a little.
    const shown = await item.evaluate((li) => ({
      step: Number(li.getAttribute('data-step')),
      value: Number(li.getAttribute('data-value')),
      text: li.querySelector('.legend-value')?.textContent,
    }))
    const at = await raw('train/loss', shown.step, shown.step)
    expect(at.steps).toEqual([shown.step])
    const value = at.values[0] as number
    expect(shown.value).toBe(value)
    expect(shown.text).toBe(String(Number(value.toPrecision(6))))
    expect(await loss.locator('.chart-legend li').count()).toBe(8)
    await loss.screenshot({ path: join(SHOTS, '7-hover.png') })

    // Drag to zoom: the range goes into the URL and the chart asks for it at full resolution.
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    await page.waitForURL(/xmin=\d+&xmax=\d+/)
    const zoomed = new URL(page.url()).searchParams
    const [xmin, xmax] = [Number(zoomed.get('xmin')), Number(zoomed.get('xmax'))]
    expect(xmax - xmin).toBeGreaterThan(10)
    expect(xmax - xmin).toBeLessThan(box.width)
    const every = await raw('train/loss', xmin, xmax)
    expect(every.steps.length).toBe(xmax - xmin + 1)
    const zoomedItem = loss.locator(`li[data-run-id="${baseline.id}"]`)
    for (const started = Date.now(); (await zoomedItem.getAttribute('data-points')) !== String(every.steps.length); ) {
      if (Date.now() - started > 10_000) throw new Error(`the zoomed chart never showed ${every.steps.length} points of baseline`)
      await new Promise((r) => setTimeout(r, 50))
    }
    await page.screenshot({ path: join(SHOTS, '8-zoomed.png') })
    // Double-click zooms out.
    await over.dblclick()
    await page.waitForURL((u) => !u.search.includes('xmin'))

    // Smoothing from the URL: the slider shows it, and the raw value is shown beside the smoothed one.
    await page.goto(`${url}/?project=demo&smoothing=0.6&metrics=loss`)
    await page.locator('.chart[data-metric="train/loss"][data-state="ready"]').waitFor()
    expect(await page.getByRole('slider', { name: 'Smoothing' }).inputValue()).toBe('0.6')
    expect(await page.$$eval('.chart', (els) => els.map((e) => e.getAttribute('data-metric')))).toEqual(['train/loss', 'val/loss'])
    expect(await page.locator(`.chart[data-metric="train/loss"] li[data-run-id="${baseline.id}"]`).textContent()).toMatch(/raw \d/)
    await page.screenshot({ path: join(SHOTS, '9-smoothed.png'), fullPage: true })

    // A sparse metric (validation every 100 steps) comes back as its own points, one a bucket.
    const val = page.locator(`.chart[data-metric="val/loss"][data-state="ready"] li[data-run-id="${baseline.id}"]`)
    await val.waitFor()
    expect(Number(await val.getAttribute('data-points'))).toBe(20)
    expect(Number(await val.getAttribute('data-step'))).toBe(1999)

    // Log y goes into the URL too.
    await page.getByRole('checkbox', { name: 'Log y' }).check()
    await page.waitForURL(/yscale=log/)
    await page.locator('.chart[data-metric="train/loss"][data-state="ready"]').waitFor()
    expect(errors).toEqual([])
    await page.close()
  })

  it('updates live: a chart grows by new points only, a finished run flips, a new run appears, all without reload', async () => {
    const { dir, url } = await demoServer()
    const api = apiOf(url)
    const trainer = (name: string) => trainerScript(dir, name)
    const grower = startNode(trainer('grower'), {})
    track(grower)
    const growerId = await runIdOf(grower)
    await until('the server has the grower', async () =>
      (await api<{ runs: RunJson[] }>('/workspaces/default/projects/demo/runs')).runs.some((r) => r.id === growerId),
    )

    const { page, errors } = await newPage({ width: 1400, height: 1000 })
    const series = recordSeriesReads(page)
    let navigations = 0
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++
    })
    await page.goto(`${url}/?project=demo&metrics=train/loss`)
    const loss = page.locator('.chart[data-metric="train/loss"]')
    // A chart reads its data once scrolled near, as a user would scroll to it.
    await loss.scrollIntoViewIfNeeded()
    await page.locator('.chart[data-metric="train/loss"][data-state="ready"]').waitFor()
    await page.locator('.live-status[data-status="live"]').waitFor()
    const item = loss.locator(`li[data-run-id="${growerId}"]`)
    await item.waitFor()
    const pointsOf = async (): Promise<number> => Number(await item.getAttribute('data-points'))
    const before = await pointsOf()
    expect(before).toBeGreaterThan(0)

    // The chart grows as the script logs, without a reload.
    await until('the grower chart grew by 20 points', async () => (await pointsOf()) >= before + 20)
    expect(navigations).toBe(1)
    // Each run's history was read once; everything after that asked only for new points
    // (the cursor of the previous answer, or, the first time, from the step after the last held).
    const histories = series.filter((r) => r.buckets !== undefined).map((r) => `${r.run}|${r.key}`)
    expect(new Set(histories).size, histories.join('\n')).toBe(histories.length)
    const newOnly = series.filter((r) => r.buckets === undefined)
    for (const r of newOnly) expect(r.since !== undefined || (r.from ?? 0) > 0, JSON.stringify(r)).toBe(true)
    expect(newOnly.filter((r) => r.run === growerId && r.since !== undefined).length).toBeGreaterThan(0)
    // What the chart holds is exactly what the server has.
    const all = await api<{ steps: number[] }>(`/runs/${growerId}/series?key=train/loss`)
    expect(await pointsOf()).toBeLessThanOrEqual(all.steps.length)
    await loss.screenshot({ path: join(SHOTS, '10-live-chart.png') })

    // The script finishes: its row says so without a reload, and its chart stops growing.
    const statusOf = async (name: string): Promise<string | undefined> => new Map(await rows(page)).get(name)
    expect(await statusOf('grower')).toBe('running')
    writeFileSync(join(dir, 'stop-grower'), '')
    await grower.exited
    await until('grower reads finished', async () => (await statusOf('grower')) === 'finished')
    const final = await api<{ steps: number[] }>(`/runs/${growerId}/series?key=train/loss`)
    await until('the chart holds every point of the finished run', async () => (await pointsOf()) === final.steps.length)

    // A brand-new run shows up in the table, and in the chart, without a reload.
    const fresh = startNode(trainer('fresh'), {})
    track(fresh)
    const freshId = await runIdOf(fresh)
    await until('the new run is in the table', async () => (await statusOf('fresh')) === 'running')
    await loss.locator(`li[data-run-id="${freshId}"]`).waitFor()
    await until(
      'the new run is charted',
      async () => Number(await loss.locator(`li[data-run-id="${freshId}"]`).getAttribute('data-points')) > 0,
    )
    expect(navigations).toBe(1)
    await page.screenshot({ path: join(SHOTS, '11-live-new-run.png'), fullPage: true })
    writeFileSync(join(dir, 'stop-fresh'), '')
    await until('fresh reads finished', async () => (await statusOf('fresh')) === 'finished')
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  it('re-reads a live chart bucketed when its appended points outgrow two a pixel', async () => {
    const { dir, url } = await demoServer()
    const { page, errors } = await newPage({ width: 1400, height: 1000 })
    const series = recordSeriesReads(page)
    await page.goto(`${url}/?project=demo&metrics=train/loss`)
    await page.locator('.live-status[data-status="live"]').waitFor()
    const chart = page.locator('.chart[data-metric="train/loss"][data-state="ready"]')
    await chart.waitFor()
    const pixels = Math.round(((await chart.locator('.chart-plot').boundingBox()) as { width: number }).width)
    // A fast run: 800 steps a second, so its raw points pass two a pixel within seconds.
    const fast = startNode(trainerScript(dir, 'fast', 40), {})
    track(fast)
    const fastId = await runIdOf(fast)
    const item = page.locator(`.chart[data-metric="train/loss"] li[data-run-id="${fastId}"]`)
    await item.waitFor()
    await until('the fast run has 3 pixels of steps', async () => Number(await item.getAttribute('data-points')) > 3 * pixels)
    writeFileSync(join(dir, 'stop-fast'), '')
    await fast.exited
    const all = (await (await fetch(`${url}/api/v1/runs/${fastId}/series?key=train/loss`)).json()) as { steps: number[] }
    await until('the chart holds every point', async () => Number(await item.getAttribute('data-points')) === all.steps.length)
    // It was read bucketed again (its first read, then at least one re-read), and what is
    // drawn stays within about two points a pixel.
    expect(series.filter((r) => r.run === fastId && r.key === 'train/loss' && r.buckets !== undefined).length).toBeGreaterThanOrEqual(2)
    expect(Number(await page.locator('.chart[data-metric="train/loss"]').getAttribute('data-xs'))).toBeLessThanOrEqual(2 * pixels + 20)
    expect(errors).toEqual([])
    await page.close()
  })

  it('opens the project from the path the SDK prints for a run', async () => {
    const { url } = await demoServer()
    const { page } = await newPage()
    await page.goto(`${url}/default/demo/runs/abc123`)
    await page.waitForURL(/\/\?project=demo$/)
    await page.locator('table.runs tbody tr').nth(7).waitFor()
    await page.close()
  })
})

describe('npm start', () => {
  it('writes the demo, serves the dashboard with one run training, and stops that run on exit', async () => {
    const dir = freshDir('tally-start-')
    const demo = startNode(DEMO_DIST, { TALLY_DIR: dir, TALLY_PORT: '0' })
    track(demo)
    const page = (await demo.waitFor(/Tally dashboard: /)).match(/http:\/\/\S+/)?.[0] as string
    expect(page).toMatch(/\/\?project=demo$/)
    const html = await fetch(page)
    expect(html.headers.get('content-type')).toContain('text/html')
    const origin = new URL(page).origin
    // The live run is in the store as soon as the server's next pass over the spool.
    let list: { runs: RunJson[] } = { runs: [] }
    for (const started = Date.now(); list.runs.length < 8 && Date.now() - started < 5000; await new Promise((r) => setTimeout(r, 100))) {
      list = (await (await fetch(`${origin}/api/v1/workspaces/default/projects/demo/runs`)).json()) as { runs: RunJson[] }
    }
    expect(list.runs).toHaveLength(8)
    expect(list.runs.filter((r) => r.status === 'running').map((r) => r.name)).toEqual(['long-cosine'])

    demo.proc.kill('SIGTERM')
    expect((await demo.exited).code).toBe(0)
    const after = await cliJson<RunJson[]>(['runs', 'demo'], dir)
    expect(after.find((r) => r.name === 'long-cosine')).toMatchObject({ status: 'failed', error: 'stopped with the demo' })
  })
})

/** The colour of each visible run's swatch, by run id. */
async function swatches(page: Page): Promise<Record<string, string>> {
  return page.$$eval('table.runs tbody tr', (trs) =>
    Object.fromEntries(trs.map((tr) => [tr.getAttribute('data-run-id') ?? '', tr.querySelector('.swatch')?.getAttribute('style') ?? ''])),
  )
}
