/**
 * The run page's Artifacts list in Chromium, on the demo: a run's logged versions with their
 * files, whose links download the very bytes logged; a run without artifacts says how to log
 * one. Screenshot: test-output/dashboard/artifacts-1-run.png.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Artifact, init } from '@tally/sdk'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { closeBrowser, demoServer, killChildren, newPage, SHOTS, until } from './browser-helpers.js'

afterAll(closeBrowser)
afterEach(killChildren)

describe('artifacts on the run page, in Chromium', () => {
  it('lists the versions a run logged, with download links that give back the bytes', async () => {
    const { url, ids, dir } = await demoServer()
    const { page, errors } = await newPage()

    writeFileSync(join(dir, 'model.bin'), 'the weights')
    const run = init({ project: 'demo', name: 'with-artifacts', dir, quiet: true, capture: false })
    const model = new Artifact('resnet', 'model', { description: 'after 10 epochs' })
      .addFile(join(dir, 'model.bin'), { name: 'weights/model.bin' })
      .addObject('metrics.json', { acc: 0.97 })
      .addReference('s3://bucket/train.tar')
    model.aliases.push('best')
    await run.logArtifact(model)
    await run.finish()
    // tally ui follows the spool; wait until the run is there.
    await until('the run reached the server', async () => (await fetch(`${url}/api/v1/runs/${run.id}/artifacts`)).status === 200)

    await page.goto(`${url}/?project=demo&run=${run.id}`)
    const section = page.getByRole('region', { name: 'Artifacts' })
    await section.scrollIntoViewIfNeeded()
    const link = section.getByRole('link', { name: 'weights/model.bin' })
    await link.waitFor()
    expect(await section.locator('summary').textContent()).toMatch(/resnet\s*v0\s*model\s*latest\s*best\s*11 B/)
    expect(await section.getByText('reference: s3://bucket/train.tar').count()).toBe(1)
    const href = (await link.getAttribute('href')) as string
    const bytes = await fetch(url + href)
    expect(bytes.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''model.bin")
    expect(await bytes.text()).toBe('the weights')
    const object = await fetch(url + ((await section.getByRole('link', { name: 'metrics.json' }).getAttribute('href')) as string))
    expect(JSON.parse(await object.text())).toEqual({ acc: 0.97 })
    await section.screenshot({ path: join(SHOTS, 'artifacts-1-run.png') })

    await page.goto(`${url}/?project=demo&run=${ids.get('high-lr')}`)
    const empty = page.getByRole('region', { name: 'Artifacts' })
    await empty.scrollIntoViewIfNeeded()
    await empty.getByText('No artifacts.').waitFor()
    expect(errors).toEqual([])
  })
})
