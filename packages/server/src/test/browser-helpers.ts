/**
 * What the dashboard's browser tests share: Debian's Chromium driven by playwright-core (a
 * missing one fails, saying how to install it, never skips), and `tally ui` as a child
 * process on a fresh demo directory (past runs plus one training live in another process).
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { writePastRuns } from '../demo/demo-project.js'
import { type Child, CLI_DIST, freshDir, REPO, script, startNode } from './test-helpers.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const SHOTS = join(REPO, 'test-output', 'dashboard')
const LIVE_RUN_DIST = join(REPO, 'packages/server/dist/demo/live-run.js')

let browser: Promise<Browser> | undefined
const children: Child[] = []

/** The browser, started on first use. As root in a sandbox with no network: no Chrome sandbox, no GPU, no background connections. */
export function launch(): Promise<Browser> {
  browser ??= (async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `No Chromium at ${CHROMIUM}: the dashboard tests need a real browser. Install it with \`apt-get install chromium\` (Debian), or set CHROMIUM_PATH; .ci/run installs it.`,
      )
    }
    mkdirSync(SHOTS, { recursive: true })
    return chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  })()
  return browser
}

/** Close the browser (afterAll). */
export async function closeBrowser(): Promise<void> {
  await (await browser?.catch(() => undefined))?.close()
}

/** A child process for `killChildren` to end after the test. */
export function track(child: Child): Child {
  children.push(child)
  return child
}

/** Kill the children the test started (afterEach). */
export function killChildren(): void {
  for (const c of children.splice(0)) c.proc.kill('SIGKILL')
}

export interface DemoServer {
  /** The demo's Tally directory. */
  dir: string
  url: string
  ui: Child
  /** Run id by name, the live run ("long-cosine") included. */
  ids: Map<string, string>
  /** Status by name, as the demo wrote them ("long-cosine" running). */
  names: Map<string, string>
}

/** A run training live and `tally ui` on a fresh demo directory. */
export async function demoServer(): Promise<DemoServer> {
  const dir = freshDir('tally-dashboard-')
  const past = writePastRuns(dir)
  const live = startNode(LIVE_RUN_DIST, { TALLY_DIR: dir })
  children.push(live)
  const liveId = (await live.waitFor(/^live run /)).replace(/^live run /, '').trim()
  const ui = startNode(CLI_DIST, { TALLY_DIR: dir }, ['ui', '--port', '0'])
  children.push(ui)
  const url = (await ui.waitFor(/listening on/)).match(/http:\/\/\S+/)?.[0] as string
  const ids = new Map(past.map((r) => [r.name, r.id]))
  ids.set('long-cosine', liveId)
  const names = new Map(past.map((r) => [r.name, r.status as string]))
  names.set('long-cosine', 'running')
  return { dir, url, ui, ids, names }
}

/** A new page that collects page errors and console errors. */
export async function newPage(viewport = { width: 1280, height: 900 }): Promise<{ page: Page; errors: string[] }> {
  const page = await (await launch()).newPage({ viewport })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  return { page, errors }
}

/** One series read as the dashboard asks for it, from `GET /runs/{id}/series?…` or inside `POST /series/batch`. */
export interface SeriesRead {
  run: string
  key: string
  buckets?: number
  from?: number
  to?: number
  since?: string
}

/** Every series read the page asks for from now on, in order (the array fills as it asks). */
export function recordSeriesReads(page: Page): SeriesRead[] {
  const reads: SeriesRead[] = []
  page.on('request', (r) => {
    const u = new URL(r.url())
    if (u.pathname === '/api/v1/series/batch' && r.method() === 'POST') {
      reads.push(...(JSON.parse(r.postData() ?? '{}') as { reads: SeriesRead[] }).reads)
      return
    }
    const m = /^\/api\/v1\/runs\/([^/]+)\/series$/.exec(u.pathname)
    if (m === null) return
    const q = u.searchParams
    const num = (k: string) => (q.has(k) ? { [k]: Number(q.get(k)) } : {})
    reads.push({
      run: decodeURIComponent(m[1] as string),
      key: q.get('key') ?? '',
      ...num('buckets'),
      ...num('from'),
      ...num('to'),
      ...(q.has('since') && { since: q.get('since') as string }),
    })
  })
  return reads
}

/** A training script in its own process, logging train/loss through the SDK (`perTick` steps every 50 ms) until a file `stop-<name>` appears. */
export function trainerScript(dir: string, name: string, perTick = 1): string {
  return script(
    dir,
    `${name}.mjs`,
    `import { existsSync } from 'node:fs'
const run = tally.init({ project: 'demo', name: ${JSON.stringify(name)}, dir: ${JSON.stringify(dir)} })
console.log('run ' + run.id)
let step = 0
const timer = setInterval(() => {
  for (let i = 0; i < ${perTick}; i++, step++) run.log({ 'train/loss': 2 / (step + 1) }, { step })
  if (existsSync(${JSON.stringify(join(dir, `stop-${name}`))})) {
    clearInterval(timer)
    void run.finish()
  }
}, 50)`,
  )
}

export const runIdOf = async (child: Child): Promise<string> => ((await child.waitFor(/^run /)).split(' ')[1] as string).trim()

export async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  for (const started = Date.now(); !(await check()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting until ${what}`)
  }
}

/** A reader of the API of the server at `url`: `await api<RunJson>('/runs/ID')`. */
export function apiOf(url: string): <T>(path: string) => Promise<T> {
  return async <T>(path: string): Promise<T> => (await (await fetch(`${url}/api/v1${path}`)).json()) as T
}
