/**
 * A real, throwaway PostgreSQL server for tests and benchmarks: `initdb` into a temporary
 * directory, `postgres` on a free loopback port with durability switched off (the data is
 * thrown away), stopped and deleted by `stop()`. Uses the binaries of Debian's `postgresql`
 * package (the newest under /usr/lib/postgresql), else those on PATH. PostgreSQL refuses to
 * run as root, so as root it runs as the `postgres` system user the package creates.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { accessSync, chownSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { Client } from 'pg'

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`: the superuser, no password (trust). */
  url: string
  stop(): Promise<void>
}

const INSTALL_HINT = "install Debian's `postgresql` package (`apt-get install postgresql`)"
const START_TIMEOUT_MS = 30_000

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The directory holding `initdb` and `postgres`: the newest Debian version, else PATH. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql'
  let versions: string[] = []
  try {
    versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v))
  } catch {
    // No Debian layout; PATH below.
  }
  versions.sort((a, b) => Number(b) - Number(a))
  const candidates = [...versions.map((v) => join(root, v, 'bin')), ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)]
  const found = candidates.find((dir) => executable(join(dir, 'postgres')) && executable(join(dir, 'initdb')))
  if (found === undefined) {
    throw new Error(`PostgreSQL's initdb and postgres are neither under ${root}/*/bin nor on PATH; ${INSTALL_HINT}`)
  }
  return found
}

/** uid and gid of the `postgres` system user, which runs the server when we are root. */
function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'))
  const [, , uid, gid] = line?.split(':') ?? []
  if (uid === undefined || gid === undefined) {
    throw new Error(`running as root, PostgreSQL needs the postgres system user to run as, and there is none; ${INSTALL_HINT}`)
  }
  return { uid: Number(uid), gid: Number(gid) }
}

/** A command line, run as the postgres user when we are root (setpriv execs in place, so signals reach postgres itself). */
function asServerUser(argv: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [argv[0] as string, argv.slice(1)]
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', ...argv]]
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
}

/** Resolves once the server answers a query; rejects if it exits or takes too long. */
async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited while starting:\n${log()}`)
    const client = new Client({ connectionString: url })
    try {
      await client.connect()
      await client.query('SELECT 1')
      return
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections within ${START_TIMEOUT_MS} ms: ${(e as Error).message}\n${log()}`)
    } finally {
      await client.end().catch(() => undefined)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Start a fresh PostgreSQL server; `stop()` shuts it down and deletes its files.
 *
 * @example const pg = await startPostgres(); const store = await openStore(pg.url); … await pg.stop()
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir()
  const dir = mkdtempSync(join(tmpdir(), 'tally-pg-'))
  const data = join(dir, 'data')
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUser()
    chownSync(dir, uid, gid)
  }
  try {
    const [initdb, initArgs] = asServerUser([
      join(bin, 'initdb'),
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ])
    execFileSync(initdb, initArgs, { stdio: 'pipe' })
  } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? ''
    throw new Error(`initdb failed: ${(e as Error).message}\n${stderr}`)
  }
  const port = await freePort()
  const [postgres, args] = asServerUser([
    join(bin, 'postgres'),
    '-D',
    data,
    '-k',
    dir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    // Every test opens its own store, each with a pool, and vitest runs files in parallel.
    '-c',
    'max_connections=300',
  ])
  const child = spawn(postgres, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-8000)
  })
  // A test runner that dies must not leave the server behind.
  const kill = (): void => {
    child.kill('SIGKILL')
  }
  process.once('exit', kill)
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const stop = async (): Promise<void> => {
    process.off('exit', kill)
    // SIGINT: PostgreSQL's fast shutdown (ends sessions, no waiting for clients).
    child.kill('SIGINT')
    const timer = setTimeout(kill, 10_000)
    await exited(child)
    clearTimeout(timer)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitReady(url, child, () => log)
  } catch (e) {
    await stop()
    throw e
  }
  return { url, stop }
}
