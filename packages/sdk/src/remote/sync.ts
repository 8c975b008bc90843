/**
 * `tally sync`: send what the spool holds and a server has not acknowledged, for runs that
 * were logged while it was down, or whose process ended before its sender caught up.
 */
import { join } from 'node:path'
import { TallyError } from '../errors.js'
import { listSpool, readRunIndex } from '../spool/reader.js'
import { spoolDir } from '../spool/writer.js'
import { findOffset } from './records.js'
import { Sender } from './sender.js'
import { readSidecar } from './sidecar.js'
import { checkServerUrl, checkWorkspace, type RemoteTarget } from './target.js'

/** A dead server is given up on after this many tries in a row (about 4 s); sync is run by hand. */
const SYNC_RETRIES = 4
/** Writer files sent at once. */
const CONCURRENCY = 4

export interface SyncOptions {
  /**
   * The server. Without `all`, only runs recorded for this server are sent (a key belongs to
   * one server); with `all`, every run goes here. Default: `TALLY_SERVER_URL`.
   */
  serverUrl?: string
  /** A writer key. Default: `TALLY_API_KEY`. */
  apiKey?: string
  /** Without `all`, only runs recorded for this workspace; with `all`, the workspace to send to. Default: `TALLY_WORKSPACE`, and "default" with `all`. */
  workspace?: string
  /** Also send runs logged in local mode (they have no record of a server) to `serverUrl`. */
  all?: boolean
  /** Only the runs of this project (as recorded in each run's `run.json`). */
  project?: string
  /** Told as each writer file is done. */
  onProgress?: (result: WriterSyncResult) => void
}

export interface WriterSyncResult {
  runId: string
  writerId: string
  serverUrl: string
  workspace: string
  /** Records and points the server newly stored (a replay of records it had counts nothing). */
  records: number
  points: number
  /** The seq the server has acknowledged, and the last seq in the spool file: equal when all arrived. */
  ackedSeq: number
  lastSeq: number
  /** Why some records did not arrive; they stay in the spool for the next sync. */
  error?: TallyError
}

export interface SyncReport {
  writers: WriterSyncResult[]
  /** Writer files left alone: logged locally (without `all`) or recorded for another server or workspace. */
  skipped: number
}

interface Job {
  runId: string
  writerId: string
  path: string
  target: RemoteTarget
}

/**
 * Send every record under `dir`'s spool that its server has not acknowledged, to the server
 * and workspace each run was logged to (recorded beside its spool file), or, with `all`,
 * every run to `serverUrl`. Idempotent: the server stores each record once however often
 * it is sent.
 *
 * @example
 * const report = await syncSpool('/home/me/.tally', { apiKey: process.env.TALLY_API_KEY })
 * for (const w of report.writers) console.log(w.runId, w.records, w.error?.message ?? 'ok')
 */
export async function syncSpool(dir: string, options: SyncOptions = {}): Promise<SyncReport> {
  const { jobs, skipped } = plan(dir, options)
  const writers: WriterSyncResult[] = []
  const unreachable = new Map<string, TallyError>()
  const queue = [...jobs]
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      const result = await syncWriter(job, unreachable)
      writers.push(result)
      options.onProgress?.(result)
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, worker))
  writers.sort((a, b) => a.runId.localeCompare(b.runId) || a.writerId.localeCompare(b.writerId))
  return { writers, skipped }
}

/** Which writer files go where. */
function plan(dir: string, options: SyncOptions): { jobs: Job[]; skipped: number } {
  const env = process.env
  const rawServer = options.serverUrl ?? (env.TALLY_SERVER_URL || undefined)
  const serverUrl = rawServer === undefined ? undefined : checkServerUrl(rawServer)
  const rawWorkspace = options.workspace ?? (env.TALLY_WORKSPACE || undefined)
  const workspace = rawWorkspace === undefined ? undefined : checkWorkspace(rawWorkspace)
  if (options.all && serverUrl === undefined) {
    throw new TallyError('invalid_argument', 'sending every run (all) needs the server: pass serverUrl (--server) or set TALLY_SERVER_URL')
  }
  const found: { runId: string; writerId: string; path: string; where: Destination }[] = []
  let skipped = 0
  for (const run of listSpool(spoolDir(dir))) {
    if (options.project !== undefined && readRunIndex(run.path)?.project !== options.project) continue
    for (const file of run.files) {
      const where = destination(file.path, serverUrl, workspace, options.all === true)
      if (where === undefined) skipped++
      else found.push({ runId: run.runId, writerId: file.writerId, path: file.path, where })
    }
  }
  if (found.length === 0) return { jobs: [], skipped }
  const apiKey = options.apiKey ?? (env.TALLY_API_KEY || undefined)
  if (apiKey === undefined) {
    throw new TallyError(
      'invalid_argument',
      `${found.length} spool file(s) under ${join(dir, 'spool')} are for a server: pass an API key with the writer role (--api-key, or TALLY_API_KEY)`,
    )
  }
  const jobs = found.map(({ where, ...job }) => ({ ...job, target: { ...where, apiKey } }))
  return { jobs, skipped }
}

type Destination = Omit<RemoteTarget, 'apiKey'>

function destination(path: string, serverUrl: string | undefined, workspace: string | undefined, all: boolean): Destination | undefined {
  if (all && serverUrl !== undefined) return { serverUrl, workspace: workspace ?? 'default' }
  const recorded = readSidecar(path)
  if (recorded === undefined) return undefined
  if (serverUrl !== undefined && recorded.serverUrl !== serverUrl) return undefined
  if (workspace !== undefined && recorded.workspace !== workspace) return undefined
  return { serverUrl: recorded.serverUrl, workspace: recorded.workspace }
}

async function syncWriter(job: Job, unreachable: Map<string, TallyError>): Promise<WriterSyncResult> {
  const { serverUrl, workspace } = job.target
  const result: WriterSyncResult = {
    runId: job.runId,
    writerId: job.writerId,
    serverUrl,
    workspace,
    records: 0,
    points: 0,
    ackedSeq: 0,
    lastSeq: 0,
  }
  const end = await findOffset(job.path, Number.POSITIVE_INFINITY)
  result.lastSeq = end.seq
  const down = unreachable.get(serverUrl)
  if (end.seq === 0 || down !== undefined) return down ? { ...result, error: down } : result
  const sender = new Sender({ path: job.path, writerId: job.writerId, target: job.target, maxRetries: SYNC_RETRIES })
  await sender.delivered(end.seq)
  sender.stop()
  result.records = sender.sent.records
  result.points = sender.sent.points
  result.ackedSeq = sender.ackedSeq
  const error = sender.error
  if (error !== undefined) {
    result.error = error
    if (error.code === 'server_unreachable') unreachable.set(serverUrl, error)
  }
  return result
}
