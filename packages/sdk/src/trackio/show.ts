/**
 * `show`: Trackio's local dashboard is Tally's `tally ui`. The SDK has no runtime dependency
 * on the server, so it runs the installed `tally` binary as a child process, or, when
 * @tally/server is not installed, prints the command to run.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { TallyError } from '../errors.js'
import { tallyDir } from '../resolve.js'

export interface ShowOptions {
  /** The project the dashboard opens on. */
  project?: string
  /** Default: `TALLY_PORT`, else 4747, as `tally ui`. */
  port?: number
  /** The Tally directory the dashboard reads. Default: `TALLY_DIR`, else `~/.tally`. */
  dir?: string
  /** Open the dashboard in a browser. Default true, unless `TALLY_NO_BROWSER=1`. */
  open?: boolean
}

export interface Dashboard {
  /** The dashboard's address, with the project preselected. */
  url: string
  /** The `tally ui` this call started; undefined when one already answered, or none could be started. */
  process: ChildProcess | undefined
  /** Stop the `tally ui` this call started (nothing otherwise). */
  close(): Promise<void>
}

/** The `tally` binary of an installed @tally/server, or undefined. */
export function tallyBin(): string | undefined {
  try {
    // Resolving a path is not importing: nothing of the server is loaded into this process.
    const main = createRequire(import.meta.url).resolve('@tally/server')
    let root = dirname(main)
    while (root !== dirname(root)) {
      try {
        const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string; bin?: { tally?: string } }
        if (pkg.name === '@tally/server') return pkg.bin?.tally === undefined ? undefined : join(root, pkg.bin.tally)
      } catch {
        // No package.json at this level: look one up.
      }
      root = dirname(root)
    }
  } catch {
    // Not installed.
  }
  return undefined
}

async function answers(base: string): Promise<boolean> {
  try {
    return (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) })).ok
  } catch {
    return false
  }
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]]
  const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true })
  // No browser opener on this machine: the address is printed already.
  child.on('error', () => {})
  child.unref()
}

function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = ''
    const onData = (d: Buffer): void => {
      err += d.toString()
      if (!/listening on/.test(err)) return
      // Listening: stop keeping its output, but keep draining the pipe so the child never blocks on it.
      child.stderr?.off('data', onData)
      child.stderr?.resume()
      resolve()
    }
    child.stderr?.on('data', onData)
    child.once('error', (e) => reject(new TallyError('server_unreachable', `could not start tally ui: ${e.message}`)))
    child.once('exit', (code) =>
      reject(new TallyError('server_unreachable', `tally ui exited (${code}) before listening: ${err.trim() || 'no output'}`)),
    )
  })
}

/**
 * Start the local dashboard (`tally ui`) or use the one already running, and print its
 * address with `project` preselected. As Trackio's `show()`, a dashboard it started keeps
 * the script running (until `close()` or Ctrl-C), and it stops when the script exits.
 *
 * @example
 * const dashboard = await trackio.show({ project: 'my-project' })
 * // … later
 * await dashboard.close()
 */
export async function show(options: ShowOptions = {}): Promise<Dashboard> {
  const port = options.port ?? (process.env.TALLY_PORT ? Number(process.env.TALLY_PORT) : 4747)
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TallyError('invalid_argument', `show({ port }) takes a port number from 1 to 65535; got ${JSON.stringify(port)}`)
  }
  const base = `http://127.0.0.1:${port}`
  const url = options.project === undefined ? `${base}/` : `${base}/?project=${encodeURIComponent(options.project)}`
  const open = options.open ?? process.env.TALLY_NO_BROWSER !== '1'
  const done = (child: ChildProcess | undefined): Dashboard => {
    process.stderr.write(`tally: dashboard at ${url}\n`)
    if (open) openBrowser(url)
    return {
      url,
      process: child,
      close: async () => {
        if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        child.kill('SIGTERM')
        await exited
      },
    }
  }
  if (await answers(base)) return done(undefined)
  const bin = tallyBin()
  if (bin === undefined) {
    process.stderr.write(
      `tally: @tally/server is not installed here; start the dashboard with: TALLY_DIR=${tallyDir(options.dir)} npx tally ui --port ${port}\n`,
    )
    return { url, process: undefined, close: async () => {} }
  }
  const child = spawn(process.execPath, [bin, 'ui', '--port', String(port)], {
    env: { ...process.env, TALLY_DIR: tallyDir(options.dir) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  // However the script ends (process.exit included), the dashboard it started ends with it.
  const stop = (): void => {
    child.kill('SIGTERM')
  }
  process.once('exit', stop)
  child.once('exit', () => process.off('exit', stop))
  try {
    await started(child)
  } catch (e) {
    child.kill('SIGKILL')
    throw e
  }
  return done(child)
}
