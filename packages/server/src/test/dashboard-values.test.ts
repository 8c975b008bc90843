/**
 * The run page's "Media and tables" section in Chromium, on the demo: a finished run's
 * predictions table cell for cell as the API has it, its weights histogram moved back to
 * step 0 with the keyboard, its generated PNG loaded, and a note holding HTML shown as text
 * (logged here through the SDK, as a script would). Screenshots go to test-output/dashboard/values-*.png.
 */
import { join } from 'node:path'
import { init, Markdown } from '@tally/sdk'
import type { ValuePageJson } from '@tally/sdk/api'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { closeBrowser, demoServer, killChildren, newPage, SHOTS, until } from './browser-helpers.js'

afterAll(closeBrowser)
afterEach(killChildren)

describe('rich values on the run page, in Chromium', () => {
  it('shows a table, a histogram at a chosen step, an image and markdown as text', async () => {
    const { url, ids, dir } = await demoServer()
    const { page, errors } = await newPage()
    const baseline = ids.get('baseline') as string
    const api = async (path: string): Promise<ValuePageJson> => (await (await fetch(`${url}/api/v1${path}`)).json()) as ValuePageJson

    await page.goto(`${url}/?project=demo&run=${baseline}`)
    const section = page.getByRole('region', { name: 'Media and tables' })
    await section.scrollIntoViewIfNeeded()

    // The predictions table: the API's columns and rows, cell for cell.
    const [logged] = (await api(`/runs/${baseline}/values?key=eval%2Fpredictions`)).values
    const table = logged?.value as { columns: string[]; rows: unknown[][] }
    const card = section.locator('article[data-value-key="eval/predictions"]')
    await card.locator('tbody tr').first().waitFor()
    expect(await card.locator('thead th').allTextContents()).toEqual(table.columns)
    expect(await card.locator('tbody tr').count()).toBe(table.rows.length)
    const firstRow = await card.locator('tbody tr').first().locator('td').allTextContents()
    expect(firstRow).toEqual(table.rows[0]?.map((c) => String(c)))
    expect(await card.textContent()).toContain(`${table.rows.length} rows × 5 columns`)
    await card.scrollIntoViewIfNeeded()
    await card.screenshot({ path: join(SHOTS, 'values-1-table.png') })

    // The weights histogram: the last step by default; Home on its slider goes to step 0.
    const hist = section.locator('article[data-value-key="weights/fc1"]')
    await hist.scrollIntoViewIfNeeded()
    await hist.locator('svg rect').first().waitFor()
    expect(await hist.locator('svg rect').count()).toBe(40)
    expect(await hist.locator('label strong').textContent()).toBe('1500')
    const slider = hist.getByRole('slider')
    await slider.focus()
    await page.keyboard.press('Home')
    await hist.locator('label strong', { hasText: /^0$/ }).waitFor()
    await hist.locator('svg rect').first().waitFor()
    const [atZero] = (await api(`/runs/${baseline}/values?key=weights%2Ffc1&from=0&to=0`)).values
    const total = ((atZero?.value as { counts: number[] } | undefined)?.counts ?? []).reduce((a, b) => a + b, 0)
    expect(await hist.locator('figcaption').textContent()).toBe(`${total.toLocaleString('en')} values in 40 bins`)
    await hist.screenshot({ path: join(SHOTS, 'values-2-histogram.png') })
    // The chosen step is in the URL: a reload shows it again.
    expect(new URL(page.url()).searchParams.get('vstep.weights/fc1')).toBe('0')
    await page.reload()
    await hist.scrollIntoViewIfNeeded()
    await hist.locator('label strong', { hasText: /^0$/ }).waitFor()

    // The generated samples: the image loads from its URL.
    const img = section.locator('article[data-value-key="samples"] img')
    await img.scrollIntoViewIfNeeded()
    await img.waitFor()
    await page.waitForFunction((el) => (el as unknown as { complete: boolean }).complete, await img.elementHandle())
    expect(await img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBe(96)
    await section.locator('article[data-value-key="samples"]').screenshot({ path: join(SHOTS, 'values-3-image.png') })

    // A note with HTML in it, logged through the SDK: shown as text, never run.
    const run = init({ project: 'demo', name: 'html-note', dir, quiet: true, capture: false })
    run.log({ notes: new Markdown('# Findings\n<script>window.pwned = 1</script> and **bold** `code`') })
    await run.finish()
    while ((await fetch(`${url}/api/v1/runs/${run.id}`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
    await page.goto(`${url}/?project=demo&run=${run.id}`)
    const note = page.locator('article[data-value-key="notes"] .value-markdown')
    await note.scrollIntoViewIfNeeded()
    await note.locator('p').waitFor()
    expect(await note.locator('h4').textContent()).toBe('Findings')
    expect(await note.locator('p').textContent()).toBe('<script>window.pwned = 1</script> and bold code')
    expect(await note.locator('p strong').textContent()).toBe('bold')
    expect(await note.locator('script').count()).toBe(0)
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined()
    await page.locator('article[data-value-key="notes"]').screenshot({ path: join(SHOTS, 'values-4-markdown.png') })

    expect(errors).toEqual([])
  })

  it('shows a panel per rich key on the project page, each charted run’s latest value in it', async () => {
    const { url, names, ids } = await demoServer()
    const { page, errors } = await newPage()
    // The live run logs its first histogram through the SDK as it starts: wait until the server has it.
    const live = ids.get('long-cosine') as string
    await until('the live run’s weights', async () => {
      const res = await fetch(`${url}/api/v1/runs/${live}/value-keys`)
      return res.ok && ((await res.json()) as { key: string }[]).some((k) => k.key === 'weights/fc1')
    })
    await page.goto(`${url}/?project=demo`)
    const section = page.getByRole('region', { name: 'Media and tables' })
    await section.waitFor()
    await section.scrollIntoViewIfNeeded()
    expect(await section.locator('details > summary strong').allTextContents()).toEqual([
      'eval/predictions',
      'notes',
      'samples',
      'weights/fc1',
    ])

    // Every demo run logged weights, the live one through the SDK; opening the panel reads each run's latest.
    const weights = section.locator('details[data-value-panel="weights/fc1"]')
    await weights.locator('summary').click()
    await weights.locator('.value-run svg rect').first().waitFor()
    await until('every run’s histogram', async () => (await weights.locator('.value-run figure').count()) === names.size)
    expect(await weights.locator('summary').textContent()).toContain(`${names.size} runs`)

    // Only the runs that finished logged samples; each image loads.
    const samples = section.locator('details[data-value-panel="samples"]')
    await samples.locator('summary').press('Enter')
    await samples.locator('img').first().waitFor()
    const finished = [...names.values()].filter((s) => s === 'finished').length
    // Each run's value arrives on its own: wait for all of them, then check there are no more.
    await until('every finished run’s image', async () => (await samples.locator('img').count()) >= finished)
    expect(await samples.locator('img').count()).toBe(finished)
    await until(
      'the images to load',
      async () =>
        await samples
          .locator('img')
          .evaluateAll((els) => els.every((el) => (el as unknown as { naturalWidth: number }).naturalWidth === 96)),
    )
    await section.screenshot({ path: join(SHOTS, 'values-5-project.png') })
    expect(errors).toEqual([])
  })
})
