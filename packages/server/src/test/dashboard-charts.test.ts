/**
 * The charts' own features in a real browser: the x axis (wall time, another metric), the
 * full-window chart, and the CSV and PNG downloads, each checked against the API's points.
 * Screenshots go to test-output/dashboard/charts-*.png.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunJson } from '@tally/sdk'
import type { Locator, Page } from 'playwright-core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { apiOf, closeBrowser, demoServer, killChildren, newPage, SHOTS } from './browser-helpers.js'

afterAll(closeBrowser)
afterEach(killChildren)

interface Raw {
  steps: number[]
  times: number[]
  values: (number | string)[]
}

/** Hover `chart` at `fraction` of its width; the legend item of `runId` as it reads then. */
async function hover(page: Page, chart: Locator, fraction: number, runId: string): Promise<{ step: number; x: number; head: string }> {
  await chart.scrollIntoViewIfNeeded()
  const box = (await chart.locator('.u-over').boundingBox()) as { x: number; y: number; width: number; height: number }
  await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2)
  const item = chart.locator(`.chart-legend[data-x] li[data-run-id="${runId}"]`)
  await item.waitFor()
  return item.evaluate((li) => ({
    step: Number(li.getAttribute('data-step')),
    x: Number(li.getAttribute('data-x')),
    head: li.closest('.chart-legend')?.querySelector(':scope > .muted')?.textContent ?? '',
  }))
}

describe('chart features, in Chromium', () => {
  it('draws against wall time or another metric, goes full window, and downloads CSV and PNG', async () => {
    const { url } = await demoServer()
    const { page, errors } = await newPage({ width: 1400, height: 1000 })
    const api = apiOf(url)
    const { runs } = await api<{ runs: RunJson[] }>('/workspaces/default/projects/demo/runs')
    const baseline = runs.find((r) => r.name === 'baseline') as RunJson
    const raw = (runId: string, key: string, from: number, to: number) =>
      api<Raw>(`/runs/${runId}/series?key=${encodeURIComponent(key)}&from=${from}&to=${to}`)

    // Wall time from the URL: the axis says so, and the legend's x is the API's time of the point.
    await page.goto(`${url}/?project=demo&x_axis=wall&metrics=loss`)
    const loss = page.locator('.chart[data-metric="train/loss"]')
    await loss.scrollIntoViewIfNeeded()
    await page.locator('.chart[data-metric="train/loss"][data-state="ready"]').waitFor()
    expect(await loss.getAttribute('data-x-axis')).toBe('wall')
    expect(await page.getByRole('combobox', { name: 'X axis' }).inputValue()).toBe('wall')
    const atTime = await hover(page, loss, 0.3, baseline.id)
    const point = await raw(baseline.id, 'train/loss', atTime.step, atTime.step)
    expect(point.steps).toEqual([atTime.step])
    // uPlot's time scale is in seconds.
    expect(Math.round(atTime.x * 1000)).toBe(point.times[0])
    expect(atTime.head).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    await page.screenshot({ path: join(SHOTS, 'charts-1-wall-time.png'), fullPage: true })

    // Another metric as x, from the select: each point sits at the epoch logged at its step.
    await page.getByRole('combobox', { name: 'X axis' }).selectOption('train/epoch')
    await page.waitForURL(/x_axis=train%2Fepoch/)
    await page.locator('.chart[data-metric="train/loss"][data-x-axis="train/epoch"][data-state="ready"]').waitFor()
    const atEpoch = await hover(page, loss, 0.5, baseline.id)
    const epoch = await raw(baseline.id, 'train/epoch', atEpoch.step, atEpoch.step)
    expect(epoch.steps).toEqual([atEpoch.step])
    expect(atEpoch.x).toBe(epoch.values[0])
    expect(atEpoch.head).toMatch(/^train\/epoch \d/)
    // The sparse validation loss against the dense epoch: its points, at their own steps.
    const val = page.locator('.chart[data-metric="val/loss"]')
    await val.scrollIntoViewIfNeeded()
    await page.locator('.chart[data-metric="val/loss"][data-x-axis="train/epoch"][data-state="ready"]').waitFor()
    const valItem = await hover(page, val, 0.5, baseline.id)
    expect(valItem.step % 100).toBe(99)
    expect(valItem.x).toBe((await raw(baseline.id, 'train/epoch', valItem.step, valItem.step)).values[0])
    await page.screenshot({ path: join(SHOTS, 'charts-2-epoch-x.png'), fullPage: true })

    // A drag on the epoch axis zooms to the steps of the points selected, in the URL.
    await loss.scrollIntoViewIfNeeded()
    const over = loss.locator('.u-over')
    const box = (await over.boundingBox()) as { x: number; y: number; width: number; height: number }
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    await page.waitForURL(/xmin=\d+&xmax=\d+/)
    const zoom = new URL(page.url()).searchParams
    expect(Number(zoom.get('xmax'))).toBeGreaterThan(Number(zoom.get('xmin')))
    expect(zoom.get('x_axis')).toBe('train/epoch')
    await page.locator('.chart[data-metric="train/loss"][data-state="ready"]').waitFor()
    await over.dblclick()
    await page.waitForURL((u) => !u.search.includes('xmin'))

    // Full window: the button opens it (into the URL), the chart is drawn at the window's size; Escape closes it.
    await page.goto(`${url}/?project=demo&metrics=loss`)
    await loss.scrollIntoViewIfNeeded()
    await page.locator('.chart[data-metric="train/loss"][data-state="ready"]').waitFor()
    const smallWidth = Number(await loss.getAttribute('data-width'))
    await page.getByRole('button', { name: 'Full screen train/loss' }).click()
    await page.waitForURL(/full=train%2Floss/)
    await page.locator('.chart[data-metric="train/loss"][data-full="true"][data-state="ready"]').waitFor()
    const fullBox = (await loss.boundingBox()) as { width: number; height: number }
    expect(fullBox.width).toBe(1400)
    expect(fullBox.height).toBe(1000)
    expect(Number(await loss.getAttribute('data-width'))).toBeGreaterThan(smallWidth)
    // The close button has the focus, so the keyboard goes on from the chart.
    expect(await page.locator(':focus').getAttribute('aria-label')).toBe('Close full screen train/loss')
    await page.screenshot({ path: join(SHOTS, 'charts-3-full.png') })
    await page.keyboard.press('Escape')
    await page.waitForURL((u) => !u.search.includes('full='))
    expect(await loss.getAttribute('data-full')).toBeNull()

    // CSV of a zoomed range: every point of every charted run, exactly as the API has them.
    // The live run logs 20 steps a second, so it is nowhere near these steps while the test runs.
    await page.goto(`${url}/?project=demo&metrics=loss&xmin=1500&xmax=1700`)
    await loss.scrollIntoViewIfNeeded()
    await page.locator('.chart[data-metric="train/loss"][data-state="ready"]').waitFor()
    const charted = await loss.locator('.chart-legend li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-run-id') as string))
    expect(charted.length).toBeGreaterThan(1)
    const [csvDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download train/loss as CSV' }).click(),
    ])
    expect(csvDownload.suggestedFilename()).toBe('demo-train_loss.csv')
    const csv = readFileSync(await csvDownload.path(), 'utf8')
    const expected = ['run_id,run_name,step,time,value']
    for (const id of charted) {
      const name = runs.find((r) => r.id === id)?.name as string
      const s = await raw(id, 'train/loss', 1500, 1700)
      s.steps.forEach((step, i) => {
        expected.push(`${id},${name},${step},${new Date(s.times[i] as number).toISOString()},${String(s.values[i])}`)
      })
    }
    expect(csv).toBe(`${expected.join('\n')}\n`)
    expect(expected.length).toBeGreaterThan(201)

    // PNG: a real PNG, the canvas's width, taller by the title and legend drawn in.
    // The canvas element's width and height attributes are its pixel size.
    const plotCanvas = loss.locator('canvas')
    const canvas = { width: Number(await plotCanvas.getAttribute('width')), height: Number(await plotCanvas.getAttribute('height')) }
    const [pngDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download train/loss as PNG' }).click(),
    ])
    expect(pngDownload.suggestedFilename()).toBe('demo-train_loss.png')
    const png = readFileSync(await pngDownload.path())
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR')
    expect(png.readUInt32BE(16)).toBe(canvas.width)
    expect(png.readUInt32BE(20)).toBeGreaterThan(canvas.height)
    await loss.screenshot({ path: join(SHOTS, 'charts-4-zoomed-for-download.png') })

    expect(errors).toEqual([])
    await page.close()
  })
})
