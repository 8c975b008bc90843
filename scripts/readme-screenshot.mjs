// The README's screenshot of the dashboard: the demo project, as `npm start` shows it, in
// Debian's Chromium. Run after `npm run build`: node scripts/readme-screenshot.mjs
// Writes docs/images/dashboard.png (and dashboard-dark.png, with theme=dark).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { writePastRuns } from '../packages/server/dist/demo/demo-project.js'

const root = new URL('..', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'tally-shot-'))
writePastRuns(dir)
const node = (path, args = []) =>
  spawn(process.execPath, [join(root, path), ...args], {
    env: { ...process.env, TALLY_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
const live = node('packages/server/dist/demo/live-run.js')
const ui = node('packages/server/dist/cli/main.js', ['ui', '--port', '0'])
const url = await new Promise((resolve) => {
  let out = ''
  ui.stderr.on('data', (d) => {
    out += d
    const m = /listening on (http:\/\/\S+)/.exec(out)
    if (m) resolve(m[1])
  })
})
// Let the live run get some way into its schedule.
await new Promise((r) => setTimeout(r, 8000))
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
})
try {
  for (const [theme, file] of [
    ['light', 'dashboard.png'],
    ['dark', 'dashboard-dark.png'],
  ]) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1300 } })
    await page.goto(`${url}/?project=demo&metrics=train,val&smoothing=0.6&theme=${theme}`)
    await page.waitForFunction(() => {
      const charts = [...document.querySelectorAll('.chart')]
      return charts.length > 0 && charts.slice(0, 6).every((c) => c.getAttribute('data-state') === 'ready')
    })
    await page.screenshot({ path: join(root, 'docs/images', file) })
    await page.close()
  }
} finally {
  await browser.close()
  live.kill('SIGKILL')
  ui.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
