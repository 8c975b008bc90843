/**
 * Remote resume: in remote mode the run to resume may exist only on the server (it was
 * started on another machine), so `init` asks the server for it. `init` is synchronous, so
 * one small child process makes the HTTP request and `spawnSync` waits for it (at most
 * ~10 s). Only a resume by id or name pays this; other runs start without a round trip.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { TallyError } from '../errors.js'
import { type ResolvedRun, resolveRun } from '../resolve.js'
import type { InitOptions } from '../run.js'
import { scanRunSpool } from '../spool/reader.js'
import { spoolDir } from '../spool/writer.js'
import { checkId } from '../validate.js'
import { type Answer, answerOf } from './http.js'
import type { RemoteTarget } from './target.js'

const LOOKUP_TIMEOUT_MS = 10_000

/**
 * One GET in a child process; it prints `{status, body}` or `{error}`. The URL and the key
 * come on stdin, so the key never shows in a process list.
 */
const LOOKUP_SCRIPT = `
const chunks = []
process.stdin.on('data', (c) => chunks.push(c))
process.stdin.on('end', async () => {
  const q = JSON.parse(Buffer.concat(chunks).toString())
  let out
  try {
    const r = await fetch(q.url, { headers: { authorization: 'Bearer ' + q.key, accept: 'application/json' }, signal: AbortSignal.timeout(q.timeoutMs) })
    out = { status: r.status, body: await r.text() }
  } catch (e) {
    const c = e && e.cause
    out = { error: (c && (c.code || c.message)) || (e && e.name === 'TimeoutError' ? 'no answer in time' : String(e)) }
  }
  process.stdout.write(JSON.stringify(out))
})
`

/** A run as the server describes it (docs/api.md), the fields resume needs. */
interface ServerRun {
  id: string
  name: string
  project: string
  workspace: string
  createdAt: number
  /** -1 when it has no points. */
  lastStep: number
}

type Lookup = { kind: 'found'; run: ServerRun } | { kind: 'missing' } | { kind: 'unreachable'; reason: string }

/**
 * `resolveRun` for remote mode: with `resume: 'allow' | 'must'` and an id or a name, the
 * server says whether the run exists and where it stands; the local spool is consulted for
 * steps not sent yet, and stands in for the server when it cannot be reached.
 */
export function resolveRemoteRun(options: InitOptions, target: RemoteTarget): ResolvedRun {
  const resume = options.resume
  if (resume !== 'allow' && resume !== 'must') return resolveRun(options)
  // Every option checked as for a new run, without touching the local spool yet.
  const fresh = resolveRun({ ...options, resume: 'never', id: undefined })
  const id = options.id === undefined ? undefined : checkId(options.id)
  const name = fresh.name
  const lookup = id !== undefined ? lookupById(target, id) : name !== undefined ? lookupByName(target, fresh.project, name) : undefined
  if (lookup === undefined) return resolveRun(options)
  const what = id !== undefined ? `id ${id}` : `name "${name}"`
  switch (lookup.kind) {
    case 'found':
      // Found by its id, with no project asked for: resumed in its own project.
      if (id !== undefined && options.project === undefined && lookup.run.project !== fresh.project) {
        return resumeFound({ ...fresh, project: lookup.run.project }, lookup.run)
      }
      return resumeFound(fresh, lookup.run)
    case 'missing':
      return resumeLocally(options, fresh, target, what)
    case 'unreachable': {
      const local = localRun(options)
      if (local?.resumed) return local
      throw new TallyError(
        'server_unreachable',
        `cannot look up the run with ${what} (${lookup.reason}), and it is not in the local spool under ${fresh.dir} either; check that the server is up and that serverUrl (TALLY_SERVER_URL) is right, then try again`,
      )
    }
  }
}

function resumeFound(fresh: ResolvedRun, run: ServerRun): ResolvedRun {
  if (run.project !== fresh.project) {
    throw new TallyError(
      'invalid_argument',
      `run ${run.id} belongs to project "${run.project}", not "${fresh.project}"; pass project: "${run.project}"`,
    )
  }
  // Steps logged here but not sent yet count too.
  const runDir = join(spoolDir(fresh.dir), run.id)
  const localLast = existsSync(runDir) ? scanRunSpool(runDir).lastStep : -1
  return {
    ...fresh,
    id: run.id,
    name: fresh.name ?? run.name,
    resumed: true,
    lastStep: Math.max(run.lastStep, localLast),
    createdAt: run.createdAt,
  }
}

/** The server has no such run: the local spool may (logged offline, not sent yet). */
function resumeLocally(options: InitOptions, fresh: ResolvedRun, target: RemoteTarget, what: string): ResolvedRun {
  try {
    return resolveRun(options)
  } catch (e) {
    if (!(e instanceof TallyError) || e.code !== 'run_not_found') throw e
    throw new TallyError(
      'run_not_found',
      `no run with ${what} in project "${fresh.project}" on ${target.serverUrl} (workspace ${target.workspace}) nor in the local spool; check it, or use resume: 'allow' to create it`,
    )
  }
}

/** The local spool's answer, or undefined where it has no such run and `must` was asked. */
function localRun(options: InitOptions): ResolvedRun | undefined {
  try {
    return resolveRun(options)
  } catch (e) {
    if (e instanceof TallyError && e.code === 'run_not_found') return undefined
    throw e
  }
}

function lookupById(target: RemoteTarget, id: string): Lookup {
  const answer = getSync(target, `/api/v1/runs/${encodeURIComponent(id)}`)
  if (answer.kind !== 'ok') return notOk(answer, target)
  const run = serverRun(answer.body)
  // A run of another workspace is not this run, as far as this target goes.
  return run && run.workspace === target.workspace ? { kind: 'found', run } : { kind: 'missing' }
}

function lookupByName(target: RemoteTarget, project: string, name: string): Lookup {
  const query = new URLSearchParams({ name, sort: 'createdAt', order: 'desc', limit: '1' })
  const path = `/api/v1/workspaces/${encodeURIComponent(target.workspace)}/projects/${encodeURIComponent(project)}/runs?${query}`
  const answer = getSync(target, path)
  if (answer.kind !== 'ok') return notOk(answer, target)
  const runs = answer.body.runs
  const run = Array.isArray(runs) ? serverRun(runs[0]) : undefined
  return run ? { kind: 'found', run } : { kind: 'missing' }
}

/** 404: no such run. A wrong key is the user's to fix now, not something to fall back from. */
function notOk(answer: Exclude<Answer, { kind: 'ok' }>, target: RemoteTarget): Lookup {
  if (answer.kind === 'retry') return { kind: 'unreachable', reason: answer.error.message }
  if (answer.status === 404) return { kind: 'missing' }
  const hint =
    answer.error.code === 'unauthorized' || answer.error.code === 'forbidden'
      ? '; check apiKey (TALLY_API_KEY): it must be a writer key of this workspace'
      : ''
  throw new TallyError(answer.error.code, `${target.serverUrl} refused to look up the run: ${answer.error.message}${hint}`, {
    cause: answer.error,
  })
}

function serverRun(v: unknown): ServerRun | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const r = v as Record<string, unknown>
  const createdAt = typeof r.createdAt === 'string' ? Date.parse(r.createdAt) : Number.NaN
  if (typeof r.id !== 'string' || typeof r.name !== 'string' || typeof r.project !== 'string' || typeof r.workspace !== 'string')
    return undefined
  return {
    id: r.id,
    name: r.name,
    project: r.project,
    workspace: r.workspace,
    createdAt: Number.isFinite(createdAt) ? createdAt : Date.now(),
    lastStep: typeof r.lastStep === 'number' ? r.lastStep : -1,
  }
}

/** A GET made by a child process, waited for synchronously. */
function getSync(target: RemoteTarget, path: string): Answer {
  const input = JSON.stringify({ url: `${target.serverUrl}${path}`, key: target.apiKey, timeoutMs: LOOKUP_TIMEOUT_MS })
  const child = spawnSync(process.execPath, ['-e', LOOKUP_SCRIPT], { input, encoding: 'utf8', timeout: LOOKUP_TIMEOUT_MS + 2_000 })
  let out: { status?: unknown; body?: unknown; error?: unknown } = {}
  try {
    out = JSON.parse(child.stdout) as typeof out
  } catch {
    out = { error: child.error?.message ?? `the lookup process failed: ${child.stderr.trim().slice(0, 200)}` }
  }
  if (typeof out.status !== 'number' || typeof out.body !== 'string') {
    const reason = typeof out.error === 'string' ? out.error : 'no answer'
    return { kind: 'retry', error: new TallyError('server_unreachable', `cannot reach ${target.serverUrl}: ${reason}`) }
  }
  return answerOf(out.status, out.body, target.serverUrl)
}
