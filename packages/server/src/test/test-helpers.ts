import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type CliIO, runCli } from '../cli/cli.js'

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url))
/** The built SDK, as a user's script imports it (the test command builds first). */
export const SDK_DIST = join(REPO, 'packages/sdk/dist/index.js')
export const CLI_DIST = join(REPO, 'packages/server/dist/cli/main.js')

export function freshDir(prefix = 'tally-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** A TCP port on 127.0.0.1 that nothing listens on (just now), for a server a test starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Write an ES module script that imports the SDK as `tally` and return its path. */
export function script(dir: string, name: string, body: string): string {
  const path = join(dir, name)
  writeFileSync(path, `import * as tally from ${JSON.stringify(SDK_DIST)}\n${body}\n`)
  return path
}

export interface Child {
  proc: ChildProcess
  lines: string[]
  /** Resolves with the first line, of stdout or stderr, that matches. */
  waitFor(pattern: RegExp): Promise<string>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>
}

export function startNode(path: string, env: Record<string, string>, args: string[] = []): Child {
  const proc = spawn(process.execPath, [path, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const waiters: { pattern: RegExp; resolve: (l: string) => void }[] = []
  let stderr = ''
  const follow = (stream: NodeJS.ReadableStream | null, also?: (s: string) => void): void => {
    let buf = ''
    stream?.on('data', (d: Buffer) => {
      also?.(d.toString())
      buf += d.toString()
      let i = buf.indexOf('\n')
      while (i >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        lines.push(line)
        for (const w of [...waiters]) {
          if (w.pattern.test(line)) {
            waiters.splice(waiters.indexOf(w), 1)
            w.resolve(line)
          }
        }
        i = buf.indexOf('\n')
      }
    })
  }
  follow(proc.stdout)
  follow(proc.stderr, (s) => {
    stderr += s
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  )
  return {
    proc,
    lines,
    exited,
    waitFor: (pattern) => {
      const hit = lines.find((l) => pattern.test(l))
      if (hit) return Promise.resolve(hit)
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve })
        exited.then(({ code, signal, stderr: err }) =>
          reject(new Error(`child exited (${code ?? signal}) before printing ${pattern}: ${err}`)),
        )
      })
    },
  }
}

/** Run the CLI in-process; collects stdout and stderr. */
export async function cli(args: string[], dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const io: CliIO = {
    stdout: {
      write: (s) => {
        stdout += s
        return true
      },
    },
    stderr: {
      write: (s) => {
        stderr += s
        return true
      },
    },
    env: { ...process.env, TALLY_DIR: dir },
  }
  const code = await runCli(args, io)
  return { code, stdout, stderr }
}

/** Run the CLI and parse its --json output. */
export async function cliJson<T = unknown>(args: string[], dir: string): Promise<T> {
  const r = await cli([...args, '--json'], dir)
  if (r.code !== 0) throw new Error(`tally ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

/** `tally serve` on 127.0.0.1:`port`, its SQLite database and keys in `dir`. */
export function startServe(dir: string, port: number): Child {
  return startNode(CLI_DIST, {}, [
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--db',
    `sqlite:${join(dir, 'server.db')}`,
    '--data-dir',
    dir,
  ])
}

/** A writer key of "default", made as the docs say: `tally keys create` on the server's database in `dir`. */
export async function writerKey(dir: string): Promise<string> {
  const c = startNode(CLI_DIST, {}, [
    'keys',
    'create',
    '--workspace',
    'default',
    '--role',
    'writer',
    '--db',
    `sqlite:${join(dir, 'server.db')}`,
  ])
  const line = await c.waitFor(/^tally_sk_/)
  await c.exited
  return line.trim()
}
