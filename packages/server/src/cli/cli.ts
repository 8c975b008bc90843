import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { TallyError } from '@tally/sdk'
import { toPlainJson } from '@tally/sdk/spool'
import { type IngestReport, ingestSpool } from '../ingest/ingest-spool.js'
import { parseCondition } from '../query/parse-condition.js'
import { projectJson, runJson } from '../shapes.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import type { RunQuery, Store } from '../store/store.js'
import { ARTIFACT_OPTIONS, artifactCommand } from './artifact-commands.js'
import { formatDuration, formatJsonValue, formatNumber, formatTime, table } from './format.js'
import { COMMANDS, type CommandName, helpFor, usage } from './help.js'
import { isServerCommand, runServerCommand, SERVER_OPTIONS } from './server-commands.js'

export interface CliIO {
  stdout: { write(s: string): boolean; once?(event: 'drain', listener: () => void): unknown }
  stderr: { write(s: string): boolean }
  env: NodeJS.ProcessEnv
}

const GLOBAL_OPTIONS = {
  dir: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

const COMMAND_OPTIONS = {
  projects: {},
  runs: {
    status: { type: 'string' },
    group: { type: 'string' },
    tag: { type: 'string' },
    search: { type: 'string' },
    where: { type: 'string', multiple: true },
    sort: { type: 'string' },
    asc: { type: 'boolean' },
    limit: { type: 'string' },
    offset: { type: 'string' },
  },
  run: {},
  series: { buckets: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, since: { type: 'string' } },
  ingest: {},
  export: { format: { type: 'string' } },
  serve: SERVER_OPTIONS,
  ui: { host: { type: 'string' }, port: { type: 'string' } },
  keys: { workspace: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, db: { type: 'string' } },
  workspaces: { db: { type: 'string' } },
  sync: { server: { type: 'string' }, 'api-key': { type: 'string' }, workspace: { type: 'string' }, all: { type: 'boolean' } },
  artifact: ARTIFACT_OPTIONS,
} as const

const POSITIONALS: Record<CommandName, string[]> = {
  projects: [],
  runs: ['project'],
  run: ['run-id'],
  series: ['run-id', 'key'],
  ingest: [],
  export: ['project'],
  serve: [],
  ui: [],
  keys: ['create|list|revoke', 'key-id?'],
  workspaces: ['create|list', 'name?'],
  sync: [],
  artifact: ['ls|get', 'project|name[:version]'],
}

/** Run the `tally` CLI with `argv` (without node and script). Returns the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  try {
    return await dispatch(argv, io)
  } catch (e) {
    const error =
      e instanceof TallyError
        ? e
        : isParseArgsError(e)
          ? new TallyError('unknown_command', `${(e as Error).message}; see tally --help`)
          : undefined
    if (!error) throw e
    if (argv.includes('--json')) io.stderr.write(`${JSON.stringify({ error: error.toJSON() })}\n`)
    else io.stderr.write(`tally: ${error.message} [${error.code}]\n`)
    return error.code === 'unknown_command' || error.code === 'invalid_argument' || error.code === 'invalid_query' ? 2 : 1
  }
}

/**
 * `--from -3` reads as an option named "-3" to parseArgs; a value that looks like a number
 * belongs to the string option before it, so it is attached (`--from=-3`) and then checked
 * like any other value.
 */
function attachNegativeValues(args: string[], options: Record<string, { type: string }>): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    const next = args[i + 1]
    const name = arg.startsWith('--') ? arg.slice(2) : undefined
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`)
      i++
    } else out.push(arg)
  }
  return out
}

function isParseArgsError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
}

async function dispatch(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`)
    return name === undefined ? 2 : 0
  }
  if (name === '--version') {
    io.stdout.write('tally 0.1.0\n')
    return 0
  }
  if (!(name in COMMANDS))
    throw new TallyError('unknown_command', `unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`)
  const command = name as CommandName
  const options = { ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS[command] }
  const { values, positionals } = parseArgs({
    args: attachNegativeValues(rest, options),
    options,
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    io.stdout.write(`${helpFor(command)}\n`)
    return 0
  }
  const expected = POSITIONALS[command]
  const required = expected.filter((p) => !p.endsWith('?'))
  if (positionals.length < required.length || positionals.length > expected.length) {
    const what =
      positionals.length < required.length
        ? `needs ${required.map((p) => `<${p}>`).join(' ')}`
        : `takes at most ${expected.length} argument(s), got ${positionals.length}`
    throw new TallyError('invalid_argument', `tally ${command} ${what}; see tally ${command} --help`)
  }
  const dir = typeof values.dir === 'string' ? values.dir : (io.env.TALLY_DIR ?? join(io.env.HOME ?? '.', '.tally'))
  const opts = values as Record<string, string | string[] | boolean | undefined>
  if (isServerCommand(command)) return runServerCommand(command, { io, dir, opts, args: positionals, json: values.json === true })
  if (command === 'artifact') {
    const localStore = async (): Promise<Store> => {
      const local = openLocalStore(dir)
      await ingestSpool(local, dir)
      return local
    }
    return artifactCommand({ io, dir, opts, args: positionals, json: values.json === true, localStore })
  }
  const store = openLocalStore(dir)
  try {
    const report = await ingestSpool(store, dir)
    const ctx: Ctx = { io, store, json: values.json === true, opts, args: positionals, report }
    switch (command) {
      case 'projects':
        return await projects(ctx)
      case 'runs':
        return await runs(ctx)
      case 'run':
        return await run(ctx)
      case 'series':
        return await series(ctx)
      case 'ingest':
        return ingest(ctx)
      case 'export':
        return await exportProject(ctx)
    }
  } finally {
    await store.close()
  }
}

export function openLocalStore(dir: string): Store {
  mkdirSync(dir, { recursive: true })
  return openSqliteStore(join(dir, 'tally.db'))
}

interface Ctx {
  io: CliIO
  store: Store
  json: boolean
  opts: Record<string, string | string[] | boolean | undefined>
  args: string[]
  report: IngestReport
}

const out = (ctx: Ctx, s: string): void => {
  ctx.io.stdout.write(s.endsWith('\n') ? s : `${s}\n`)
}
const json = (ctx: Ctx, v: unknown): void => out(ctx, JSON.stringify(toPlainJson(v), null, 2))

function intOption(ctx: Ctx, name: string, min: number, max: number): number | undefined {
  const raw = ctx.opts[name]
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new TallyError('invalid_query', `--${name} takes an integer from ${min} to ${max}; got ${JSON.stringify(raw)}`)
  }
  return n
}

function stringOption(ctx: Ctx, name: string): string | undefined {
  const v = ctx.opts[name]
  return typeof v === 'string' ? v : undefined
}

async function projects(ctx: Ctx): Promise<number> {
  const list = await ctx.store.listProjects()
  if (ctx.json) {
    json(ctx, list.map(projectJson))
  } else if (list.length === 0) {
    out(ctx, 'No projects yet. Log a run with the SDK (see README.md), then run tally projects again.')
  } else {
    out(
      ctx,
      table(
        ['PROJECT', 'RUNS', 'CREATED', 'LAST ACTIVITY'],
        list.map((p) => [p.name, String(p.runs), formatTime(p.createdAt), formatTime(p.lastActivityAt)]),
      ),
    )
  }
  return 0
}

async function runs(ctx: Ctx): Promise<number> {
  const project = ctx.args[0] as string
  const query: RunQuery = { project }
  const status = stringOption(ctx, 'status')
  if (status !== undefined) {
    if (!['running', 'finished', 'failed', 'crashed'].includes(status)) {
      throw new TallyError('invalid_query', `--status is one of running, finished, failed, crashed; got ${JSON.stringify(status)}`)
    }
    query.status = status as RunQuery['status'] & string
  }
  for (const name of ['group', 'tag', 'search', 'sort'] as const) {
    const v = stringOption(ctx, name)
    if (v !== undefined) query[name] = v
  }
  const where = ctx.opts.where
  if (Array.isArray(where)) query.where = where.map(parseCondition)
  if (ctx.opts.asc === true) query.order = 'asc'
  const limit = intOption(ctx, 'limit', 1, 1000)
  if (limit !== undefined) query.limit = limit
  const offset = intOption(ctx, 'offset', 0, Number.MAX_SAFE_INTEGER)
  if (offset !== undefined) query.offset = offset
  const page = await ctx.store.listRuns(query)
  if (ctx.json) {
    json(ctx, page.runs.map(runJson))
    return 0
  }
  if (page.total === 0) {
    out(ctx, `No runs in project "${project}". List projects with: tally projects`)
    return 0
  }
  const rows = page.runs.map((r) => [
    r.id,
    r.name,
    r.status,
    r.group ?? '',
    r.tags.join(','),
    r.lastStep === null ? '' : String(r.lastStep),
    formatTime(r.createdAt),
    formatDuration((r.finishedAt ?? r.heartbeatAt) - r.createdAt),
  ])
  out(ctx, table(['ID', 'NAME', 'STATUS', 'GROUP', 'TAGS', 'LAST STEP', 'CREATED', 'DURATION'], rows))
  if (page.total > page.runs.length)
    out(ctx, `(${page.offset + 1}–${page.offset + page.runs.length} of ${page.total}; use --limit and --offset)`)
  return 0
}

async function run(ctx: Ctx): Promise<number> {
  const id = ctx.args[0] as string
  const info = await ctx.store.getRun(id)
  if (!info) throw new TallyError('not_found', `no run with id ${id}; list runs with: tally runs <project>`)
  const keys = await ctx.store.metricKeys(id)
  if (ctx.json) {
    json(ctx, { ...runJson(info), metrics: keys })
    return 0
  }
  const lines = [
    `${info.name} (${info.id})`,
    `  project      ${info.project}`,
    `  status       ${info.status}${info.error ? ` (${info.error})` : ''}`,
    `  group        ${info.group ?? ''}`,
    `  tags         ${info.tags.join(', ')}`,
    `  created      ${formatTime(info.createdAt)}`,
    `  finished     ${formatTime(info.finishedAt)}`,
    `  last step    ${info.lastStep ?? ''}`,
  ]
  if (info.description) lines.push(`  description  ${info.description}`)
  const section = (title: string, obj: Record<string, unknown>): void => {
    const entries = Object.entries(obj)
    if (entries.length === 0) return
    lines.push('', title)
    for (const [k, v] of entries) lines.push(`  ${k} = ${formatJsonValue(v)}`)
  }
  section('config', info.config)
  section('summary', info.summary)
  out(ctx, lines.join('\n'))
  if (keys.length > 0) {
    out(
      ctx,
      `\n${table(
        ['METRIC', 'POINTS', 'FIRST STEP', 'LAST STEP', 'LAST VALUE'],
        keys.map((k) => [k.key, String(k.count), String(k.firstStep), String(k.lastStep), formatNumber(k.lastValue)]),
      )}`,
    )
  }
  return 0
}

function stepOption(ctx: Ctx, name: string): number | undefined {
  return intOption(ctx, name, 0, Number.MAX_SAFE_INTEGER)
}

async function series(ctx: Ctx): Promise<number> {
  const [runId = '', key = ''] = ctx.args
  const from = stepOption(ctx, 'from')
  const to = stepOption(ctx, 'to')
  const buckets = intOption(ctx, 'buckets', 1, 100_000)
  const since = stringOption(ctx, 'since')
  if (buckets !== undefined) {
    if (since !== undefined) throw new TallyError('invalid_query', '--since reads raw points; leave out --buckets')
    const b = await ctx.store.readBuckets({ runId, key, buckets, ...(from !== undefined && { from }), ...(to !== undefined && { to }) })
    if (ctx.json) {
      json(ctx, b)
      return 0
    }
    const c = b.buckets
    const rows = Array.from(c.first, (_, i) =>
      [c.first[i], c.last[i], c.min[i], c.max[i], c.value[i], c.count[i]].map((n) => formatNumber(n)),
    )
    out(ctx, table(['FIRST', 'LAST', 'MIN', 'MAX', 'VALUE', 'COUNT'], rows))
    return 0
  }
  const s = await ctx.store.readSeries({
    runId,
    key,
    ...(from !== undefined && { from }),
    ...(to !== undefined && { to }),
    ...(since !== undefined && { since }),
  })
  if (ctx.json) {
    json(ctx, s)
    return 0
  }
  const rows = Array.from(s.steps, (step, i) => [formatNumber(step), formatTime(s.times[i]), formatNumber(s.values[i])])
  out(ctx, table(['STEP', 'TIME', 'VALUE'], rows))
  return 0
}

function ingest(ctx: Ctx): number {
  const r = ctx.report
  if (ctx.json) {
    json(ctx, r)
  } else {
    out(ctx, `ingested ${r.records} new record(s), ${r.points} point(s), from ${r.filesWithNew} of ${r.files} spool file(s)`)
    for (const p of r.problems) out(ctx, `warning: ${p.file}: ${p.detail} at byte ${p.offset}; everything before it was ingested`)
  }
  return 0
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

async function exportProject(ctx: Ctx): Promise<number> {
  const project = ctx.args[0] as string
  const format = stringOption(ctx, 'format') ?? 'csv'
  if (format !== 'csv' && format !== 'jsonl')
    throw new TallyError('invalid_argument', `--format is csv or jsonl; got ${JSON.stringify(format)}`)
  const page = await ctx.store.listRuns({ project, limit: 1 })
  if (page.total === 0) throw new TallyError('not_found', `no runs in project "${project}"; list projects with: tally projects`)
  const write = async (s: string): Promise<void> => {
    if (!ctx.io.stdout.write(s) && ctx.io.stdout.once) await new Promise<void>((resolve) => ctx.io.stdout.once?.('drain', resolve))
  }
  if (format === 'csv') await write('run_id,run_name,key,step,time,value\n')
  for await (const chunk of ctx.store.exportPoints(project)) {
    let text = ''
    if (format === 'csv') {
      const prefix = `${csvCell(chunk.runId)},${csvCell(chunk.runName)},${csvCell(chunk.key)},`
      for (let i = 0; i < chunk.steps.length; i++) {
        text += `${prefix}${chunk.steps[i]},${new Date(chunk.times[i] as number).toISOString()},${formatExact(chunk.values[i] as number)}\n`
      }
    } else {
      const prefix = `{"run":${JSON.stringify(chunk.runId)},"run_name":${JSON.stringify(chunk.runName)},"key":${JSON.stringify(chunk.key)},`
      for (let i = 0; i < chunk.steps.length; i++) {
        const v = chunk.values[i] as number
        text += `${prefix}"step":${chunk.steps[i]},"time":${chunk.times[i]},"value":${Number.isFinite(v) ? v : `"${formatExact(v)}"`}}\n`
      }
    }
    await write(text)
  }
  return 0
}

/** Shortest text that parses back to the same float64. */
function formatExact(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v)
}
