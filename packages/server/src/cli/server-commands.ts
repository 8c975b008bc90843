/** The CLI commands that run or administer a server: serve, ui, keys, workspaces, sync. */
import { join } from 'node:path'
import { type SyncReport, syncSpool, TallyError } from '@tally/sdk'
import { toPlainJson } from '@tally/sdk/spool'
import { issueKey } from '../app/auth.js'
import { type RunningServer, startServer } from '../app/server.js'
import { keyJson, workspaceJson } from '../shapes.js'
import { openStore } from '../store/open.js'
import type { ApiKeyRole, Store } from '../store/store.js'
import type { CliIO } from './cli.js'
import { formatTime, table } from './format.js'

export const SERVER_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  db: { type: 'string' },
  'data-dir': { type: 'string' },
  'body-limit': { type: 'string' },
} as const

const SERVER_COMMANDS = ['serve', 'ui', 'keys', 'workspaces', 'sync'] as const
type ServerCommand = (typeof SERVER_COMMANDS)[number]

export function isServerCommand(command: string): command is ServerCommand {
  return (SERVER_COMMANDS as readonly string[]).includes(command)
}

interface Ctx {
  io: CliIO
  /** The Tally directory (--dir, $TALLY_DIR, ~/.tally). */
  dir: string
  opts: Record<string, string | string[] | boolean | undefined>
  args: string[]
  json: boolean
}

const opt = (ctx: Ctx, name: string, env?: string): string | undefined => {
  const v = ctx.opts[name]
  if (typeof v === 'string') return v
  return env !== undefined ? ctx.io.env[env] || undefined : undefined
}

function port(ctx: Ctx, fallback: number): number {
  const raw = opt(ctx, 'port', 'TALLY_PORT')
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new TallyError('invalid_argument', `--port takes a port number from 0 to 65535; got ${JSON.stringify(raw)}`)
  return n
}

const dbSpec = (ctx: Ctx, dataDir: string): string => opt(ctx, 'db', 'TALLY_DB') ?? `sqlite:${join(dataDir, 'tally.db')}`

export async function runServerCommand(command: ServerCommand, ctx: Ctx): Promise<number> {
  switch (command) {
    case 'serve':
    case 'ui':
      return serve(command, ctx)
    case 'keys':
      return withStore(ctx, (store) => keys(ctx, store))
    case 'workspaces':
      return withStore(ctx, (store) => workspaces(ctx, store))
    case 'sync':
      return sync(ctx)
  }
}

/** keys and workspaces open the database `tally serve` would, given the same options and env. */
async function withStore(ctx: Ctx, fn: (store: Store) => Promise<number>): Promise<number> {
  const store = await openStore(dbSpec(ctx, opt(ctx, 'data-dir', 'TALLY_DATA_DIR') ?? ctx.dir))
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

async function serve(command: 'serve' | 'ui', ctx: Ctx): Promise<number> {
  const local = command === 'ui'
  const dataDir = opt(ctx, 'data-dir', 'TALLY_DATA_DIR') ?? ctx.dir
  const host = opt(ctx, 'host', local ? undefined : 'TALLY_HOST') ?? (local ? '127.0.0.1' : '0.0.0.0')
  if (local && host !== '127.0.0.1' && host !== '::1') {
    throw new TallyError(
      'invalid_argument',
      'tally ui binds only loopback (127.0.0.1 or ::1); for a server others can reach, use tally serve',
    )
  }
  const limitRaw = opt(ctx, 'body-limit')
  const bodyLimit = limitRaw === undefined ? undefined : Number(limitRaw)
  if (bodyLimit !== undefined && (!Number.isInteger(bodyLimit) || bodyLimit < 1024)) {
    throw new TallyError('invalid_argument', `--body-limit takes a number of bytes ≥ 1024; got ${JSON.stringify(limitRaw)}`)
  }
  const log = (line: string): void => {
    ctx.io.stderr.write(`${line}\n`)
  }
  const server: RunningServer = await startServer({
    mode: local ? 'local' : 'team',
    host,
    port: port(ctx, local ? 4747 : 8080),
    db: local ? `sqlite:${join(ctx.dir, 'tally.db')}` : dbSpec(ctx, dataDir),
    dataDir: local ? ctx.dir : dataDir,
    ...(bodyLimit !== undefined && { recordsBodyLimit: bodyLimit }),
    log,
  })
  log(`tally ${command}: listening on ${server.url}${local ? ` (following ${ctx.dir})` : ''}`)
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGTERM', onTerm)
      process.off('SIGINT', onInt)
      log(`tally ${command}: ${signal}, finishing requests in flight`)
      server.close().then(resolve, (e) => {
        log(`tally ${command}: shutdown failed: ${(e as Error).message}`)
        resolve()
      })
    }
    const onTerm = (): void => stop('SIGTERM')
    const onInt = (): void => stop('SIGINT')
    process.on('SIGTERM', onTerm)
    process.on('SIGINT', onInt)
  })
  return 0
}

const ROLES: readonly ApiKeyRole[] = ['owner', 'writer', 'viewer']

async function keys(ctx: Ctx, store: Store): Promise<number> {
  const [action, id] = ctx.args
  const out = (s: string): void => {
    ctx.io.stdout.write(`${s}\n`)
  }
  switch (action) {
    case 'create': {
      const workspace = opt(ctx, 'workspace')
      const role = opt(ctx, 'role')
      if (!workspace || !role || !ROLES.includes(role as ApiKeyRole)) {
        throw new TallyError('invalid_argument', 'tally keys create needs --workspace W and --role owner|writer|viewer')
      }
      if (!(await store.listWorkspaces()).some((w) => w.name === workspace)) {
        throw new TallyError('not_found', `no workspace "${workspace}"; create it with: tally workspaces create ${workspace}`)
      }
      const { key, info } = await issueKey(store, workspace, role as ApiKeyRole, opt(ctx, 'name') ?? null)
      if (ctx.json) out(JSON.stringify({ ...keyJson(info), key }, null, 2))
      else out(`${key}\n\nA ${role} key of workspace "${workspace}" (id ${info.id}). It is shown only this once.`)
      return 0
    }
    case 'list': {
      const list = await store.listKeys(opt(ctx, 'workspace'))
      if (ctx.json) out(JSON.stringify(list.map(keyJson), null, 2))
      else
        out(
          table(
            ['ID', 'WORKSPACE', 'ROLE', 'KEY', 'NAME', 'CREATED', 'REVOKED'],
            list.map((k) => [k.id, k.workspace, k.role, `${k.prefix}…`, k.name ?? '', formatTime(k.createdAt), formatTime(k.revokedAt)]),
          ),
        )
      return 0
    }
    case 'revoke': {
      if (!id) throw new TallyError('invalid_argument', 'tally keys revoke needs the key id (see tally keys list)')
      await store.revokeKey(id)
      out(`revoked ${id}`)
      return 0
    }
    default:
      throw new TallyError('invalid_argument', `tally keys takes create, list or revoke; got ${JSON.stringify(action)}`)
  }
}

async function workspaces(ctx: Ctx, store: Store): Promise<number> {
  const [action, name] = ctx.args
  if (action === 'create') {
    if (!name) throw new TallyError('invalid_argument', 'tally workspaces create needs a name')
    const w = await store.createWorkspace(name)
    ctx.io.stdout.write(ctx.json ? `${JSON.stringify(toPlainJson(workspaceJson(w)))}\n` : `created workspace ${w.name}\n`)
    return 0
  }
  if (action === 'list') {
    const list = await store.listWorkspaces()
    if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(list.map(workspaceJson), null, 2)}\n`)
    else
      ctx.io.stdout.write(
        `${table(
          ['WORKSPACE', 'CREATED'],
          list.map((w) => [w.name, formatTime(w.createdAt)]),
        )}\n`,
      )
    return 0
  }
  throw new TallyError('invalid_argument', `tally workspaces takes create or list; got ${JSON.stringify(action)}`)
}

/** `tally sync`: send what the spool holds and its server has not acknowledged; a line per run. */
async function sync(ctx: Ctx): Promise<number> {
  const serverUrl = opt(ctx, 'server', 'TALLY_SERVER_URL')
  const apiKey = opt(ctx, 'api-key', 'TALLY_API_KEY')
  const workspace = opt(ctx, 'workspace', 'TALLY_WORKSPACE')
  const report = await syncSpool(ctx.dir, {
    ...(serverUrl !== undefined && { serverUrl }),
    ...(apiKey !== undefined && { apiKey }),
    ...(workspace !== undefined && { workspace }),
    all: ctx.opts.all === true,
  })
  const failed = report.writers.filter((w) => w.error !== undefined).length
  if (ctx.json) {
    ctx.io.stdout.write(
      `${JSON.stringify({ ...report, writers: report.writers.map((w) => ({ ...w, error: w.error?.toJSON() ?? null })) }, null, 2)}\n`,
    )
  } else {
    for (const line of syncLines(report)) ctx.io.stdout.write(`${line}\n`)
  }
  return failed > 0 ? 1 : 0
}

function syncLines(report: SyncReport): string[] {
  const byRun = new Map<string, SyncReport['writers']>()
  for (const w of report.writers) byRun.set(w.runId, [...(byRun.get(w.runId) ?? []), w])
  const lines: string[] = []
  for (const [runId, writers] of byRun) {
    const error = writers.find((w) => w.error !== undefined)?.error
    const records = writers.reduce((n, w) => n + w.records, 0)
    const points = writers.reduce((n, w) => n + w.points, 0)
    const where = writers.map((w) => `${w.serverUrl}/${w.workspace}`)[0]
    if (error) lines.push(`${runId}: ${error.message}`)
    else if (records === 0) lines.push(`${runId}: up to date on ${where}`)
    else lines.push(`${runId}: sent ${records} records (${points} points) to ${where}`)
  }
  if (report.skipped > 0)
    lines.push(`${report.skipped} spool file(s) of local runs or other servers left alone (--all sends every run to --server)`)
  if (lines.length === 0) lines.push('nothing to send')
  return lines
}
