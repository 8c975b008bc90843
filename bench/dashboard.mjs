// The dashboard in headless Chromium (Debian's, driven by playwright-core), against a real
// `tally ui` on a fresh Tally directory:
//   live50  50 runs × 10 metrics × 2,000 steps, all still logging (10 steps/s each, from a
//           child process): time to first paint of every chart, then the bytes each live
//           second brings (only new points should travel).
//   big     one 1 M-point series: time until its chart is drawn, and a zoom round trip
//           (mouse up → the zoomed range drawn at full resolution).
//   runs10k 10,000 runs: time until the table's first rows show.
// Usage: node bench/dashboard.mjs [live50] [big] [runs10k]   (all by default)
//        BENCH_RUNS=5 page loads per measurement; CHROMIUM_PATH=/usr/bin/chromium.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { init } from '../packages/sdk/dist/index.js'
import { cleanup, runs as repeats, report, tempDir } from './lib.mjs'

const SELF = new URL(import.meta.url).pathname
const CLI = new URL('../packages/server/dist/cli/main.js', import.meta.url).pathname
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const METRICS = [
  'train/loss',
  'train/acc',
  'train/lr',
  'train/grad_norm',
  'val/loss',
  'val/acc',
  'system/gpu',
  'system/cpu',
  'system/mem',
  'throughput',
]
const LIVE_RUNS = 50
const HISTORY = 2000
const LIVE_HZ = 10

const metricValue = (run, key, step) =>
  Math.exp(-step / (400 + run * 7)) * (1 + 0.1 * Math.sin(step * 0.37 + key.length + run)) + key.length / 10

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH.`)
  const asked = process.argv.slice(2)
  const want = (name) => asked.length === 0 || asked.includes(name)
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  })
  try {
    if (want('live50')) await live50(browser)
    if (want('big')) await big(browser)
    if (want('runs10k')) await runs10k(browser)
  } finally {
    await browser.close()
  }
}

/** `tally ui` on a directory, and its address once it listens. */
async function startUi(dir) {
  const proc = spawn(process.execPath, [CLI, 'ui', '--port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  const url = await waitForLine(proc, /http:\/\/\S+/)
  return { proc, url: url.match(/http:\/\/[^\s/]+/)[0] }
}

function waitForLine(proc, re) {
  return new Promise((resolve, reject) => {
    let out = ''
    const take = (d) => {
      out += d
      const m = re.exec(out)
      if (m) resolve(m[0])
    }
    proc.stdout.on('data', take)
    proc.stderr?.on('data', take)
    proc.on('exit', (code) => reject(new Error(`exited (${code}): ${out}`)))
  })
}

async function until(what, fn, ms = 120_000) {
  for (const t = Date.now(); Date.now() - t < ms; await new Promise((r) => setTimeout(r, 100))) if (await fn()) return
  throw new Error(`timed out waiting for ${what}`)
}

const api = async (url, path) => (await fetch(`${url}/api/v1${path}`)).json()

/**
 * Milliseconds from the page's navigation start until `done()` holds, checked every frame.
 * `done` answers the page's clock when it holds (`… && performance.now()`), so the time is
 * taken in the page at that frame, not after a round trip back to this process.
 */
async function timeInPage(page, done, arg) {
  const at = await page.waitForFunction(done, arg, { polling: 'raf', timeout: 60_000 })
  return at.jsonValue()
}

async function live50(browser) {
  const dir = tempDir()
  const writer = spawn(process.execPath, [SELF, '--writer', dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  const ui = await startUi(dir)
  try {
    await waitForLine(writer, /ready/)
    await until('the 50 runs to be ingested', async () => {
      const { runs } = await api(ui.url, '/workspaces/default/projects/live50/runs?limit=100')
      return runs.length === LIVE_RUNS && runs.every((r) => (r.lastStep ?? 0) >= HISTORY - 1)
    })
    const allReady = (n) => document.querySelectorAll('.chart[data-state="ready"]').length === n && performance.now()
    const paint = []
    let charted = 0
    // One more load than measured: the first warms the server's caches and the browser.
    for (let i = 0; i <= repeats; i++) {
      // Tall enough that every chart is in view: first paint of all of them, not of the first row.
      const page = await browser.newPage({ viewport: { width: 1600, height: 6000 } })
      await page.goto(`${ui.url}/?project=live50`)
      paint.push(await timeInPage(page, allReady, METRICS.length))
      charted = await page.locator('.chart[data-metric="train/loss"][data-state="ready"] .chart-legend li').count()
      await page.close()
    }
    report('dashboard: 50 runs × 10 metrics × 2,000 steps (live), first paint of all charts', 'ms', paint.slice(1), {
      runsPerChart: charted,
    })

    // Live: what travels while 50 runs each log 10 metrics 10 times a second.
    const page = await browser.newPage({ viewport: { width: 1600, height: 6000 } })
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    let bytes = 0
    let requests = 0
    let history = 0
    let measuring = false
    cdp.on('Network.requestWillBeSent', () => {
      if (measuring) requests++
    })
    cdp.on('Network.dataReceived', (e) => {
      if (measuring) bytes += e.encodedDataLength || e.dataLength
      else history += e.encodedDataLength || e.dataLength
    })
    cdp.on('Network.eventSourceMessageReceived', (e) => {
      if (measuring) bytes += e.data.length
    })
    await page.goto(`${ui.url}/?project=live50`)
    await page.waitForFunction(allReady, METRICS.length, { polling: 'raf', timeout: 60_000 })
    const stepAt = async () =>
      Math.min(...(await api(ui.url, '/workspaces/default/projects/live50/runs?limit=100')).runs.map((r) => r.lastStep))
    const seconds = 10
    const before = await stepAt()
    measuring = true
    await new Promise((r) => setTimeout(r, seconds * 1000))
    measuring = false
    const steps = (await stepAt()) - before
    const newPoints = steps * METRICS.length * charted
    report('dashboard live: bytes received per second', 'B/s', [bytes / seconds], {
      requestsPerSecond: +(requests / seconds).toFixed(1),
      bytesPerNewPoint: +(bytes / Math.max(1, newPoints)).toFixed(1),
      newPointsCharted: newPoints,
      historyBytesOnce: history,
    })
    await page.close()
  } finally {
    writer.kill('SIGKILL')
    ui.proc.kill('SIGKILL')
    cleanup(dir)
  }
}

async function big(browser) {
  const dir = tempDir()
  const N = 1_000_000
  const run = init({ project: 'big', name: 'long', dir })
  for (let s = 0; s < N; s++) run.log({ loss: Math.exp(-s / 3e5) + 0.05 * Math.sin(s / 50) + (s === 654_321 ? 5 : 0) })
  await run.finish()
  const ui = await startUi(dir)
  try {
    await until('the 1 M points to be ingested', async () => (await api(ui.url, `/runs/${run.id}`)).lastStep === N - 1)
    const drawn = []
    const afterAsk = []
    const zoom = []
    // One more load than measured: the first warms the server's caches and the browser.
    for (let i = 0; i <= repeats; i++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
      await page.goto(`${ui.url}/?project=big&metrics=loss`)
      const ready = await timeInPage(
        page,
        () => document.querySelector('.chart[data-metric="loss"][data-state="ready"]') !== null && performance.now(),
      )
      const asked = await page.evaluate(
        () => performance.getEntriesByType('resource').find((e) => /\/series(\/batch|\?)/.test(e.name))?.startTime,
      )
      drawn.push(ready)
      afterAsk.push(ready - asked)
      // Zoom: drag across 1 % of the plot; time from mouse up until the range is drawn at full resolution.
      const over = page.locator('.chart[data-metric="loss"] .u-over')
      const box = await over.boundingBox()
      await page.evaluate(() => {
        window.addEventListener('mouseup', () => (window.__zoomAsked = performance.now()), { capture: true, once: true })
      })
      const y = box.y + box.height / 2
      await page.mouse.move(box.x + box.width * 0.5, y)
      await page.mouse.down()
      await page.mouse.move(box.x + box.width * 0.51, y, { steps: 4 })
      await page.mouse.up()
      await page.waitForURL(/xmin=/)
      const { xmin, xmax } = Object.fromEntries(new URL(page.url()).searchParams)
      const expected = String(Math.ceil(Number(xmax)) - Math.floor(Number(xmin)) + 1)
      const done = await timeInPage(
        page,
        (n) =>
          document.querySelector('.chart[data-metric="loss"][data-state="ready"] .chart-legend li')?.getAttribute('data-points') === n &&
          performance.now(),
        expected,
      )
      zoom.push(done - (await page.evaluate(() => window.__zoomAsked)))
      await page.close()
    }
    report('dashboard: 1 M-point series, chart drawn (from navigation start)', 'ms', drawn.slice(1))
    report('dashboard: 1 M-point series, chart drawn (from the series request)', 'ms', afterAsk.slice(1))
    report('dashboard: zoom round trip, mouse up → full resolution drawn', 'ms', zoom.slice(1))
  } finally {
    ui.proc.kill('SIGKILL')
    cleanup(dir)
  }
}

async function runs10k(browser) {
  const dir = tempDir()
  const N = 10_000
  const { writeManyRuns } = await import('../packages/server/dist/demo/many-runs.js')
  const { openSqliteStore } = await import('../packages/server/dist/index.js')
  const store = openSqliteStore(join(dir, 'tally.db'))
  await writeManyRuns(store, N, { project: 'runs10k' })
  await store.close()
  const ui = await startUi(dir)
  try {
    await until(
      'the 10,000 runs to be ingested',
      async () => (await api(ui.url, '/workspaces/default/projects/runs10k/runs?limit=1')).total === N,
    )
    const first = []
    // One more load than measured: the first warms the server's caches and the browser.
    for (let i = 0; i <= repeats; i++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
      await page.goto(`${ui.url}/?project=runs10k`)
      first.push(await timeInPage(page, () => document.querySelector('table.runs tbody tr a') !== null && performance.now()))
      await page.close()
    }
    report('dashboard: 10,000 runs, first table rows', 'ms', first.slice(1))
  } finally {
    ui.proc.kill('SIGKILL')
    cleanup(dir)
  }
}

// The writer child: 50 runs with 2,000 steps each, flushed, then a step a run every 100 ms.
async function writer(dir) {
  const live = []
  for (let r = 0; r < LIVE_RUNS; r++) {
    const run = init({ project: 'live50', name: `run-${r}`, dir, config: { lr: 10 ** -(2 + (r % 4)), batch: 32 << (r % 3), seed: r } })
    for (let s = 0; s < HISTORY; s++) run.log(Object.fromEntries(METRICS.map((k) => [k, metricValue(r, k, s)])), { step: s })
    live.push(run)
  }
  await Promise.all(live.map((r) => r.flush()))
  console.log('ready')
  let step = HISTORY
  setInterval(() => {
    for (const [r, run] of live.entries()) run.log(Object.fromEntries(METRICS.map((k) => [k, metricValue(r, k, step)])), { step })
    step++
  }, 1000 / LIVE_HZ)
}

if (process.argv[2] === '--writer') await writer(process.argv[3])
else await main()
