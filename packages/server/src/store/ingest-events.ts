/**
 * One ingest call in memory, the same for every backend: records checked against the
 * writer's acknowledged seq, events applied to the run row, points gathered per series, and
 * the times and flags written back once at the call's end. The backends do the SQL: finding
 * or creating the run a run event names, and every write.
 */
import { TallyError } from '@tally/sdk'
import {
  type ArtifactEvent,
  type ConsoleLine,
  checkConfig,
  checkId,
  checkKey,
  checkMetadata,
  checkProject,
  checkTags,
  checkText,
  type JsonValue,
  KIND_EVENT,
  MAX_LINE_CHARS,
  type PointsBatch,
  type RichValue,
  type RunEvent,
  richValueOf,
  type SpoolEvent,
  type SpoolRecord,
  stringifyTagged,
  type ValueEvent,
  type ValueKind,
} from '@tally/sdk/spool'
import { checkArtifactEvent } from './artifacts.js'
import { grown, MAX_STEP, type PointColumns, pointColumns } from './chunks.js'
import { isObject, parseObject, type RunRow } from './rows.js'
import type { IngestAck } from './store.js'

/** A deleted run's writer: its records are acknowledged and dropped. */
export interface Tombstone {
  run_id: string
  workspace_id: number
  acked_seq: number
}

/** The latest time a Date can hold (ms since the epoch): later ones are refused, not stored. */
const MAX_TIME = 8.64e15

const isTime = (t: unknown): t is number => typeof t === 'number' && t >= 0 && t <= MAX_TIME

/**
 * An event as the SDK's own checks would have let it through, so records from any client
 * (another language, an old version, a hand-made request) are held to the same limits as
 * `init` and `log`. Anything else is `spool_format`, naming the field.
 */
export function checkEvent(writerId: string, e: SpoolEvent): void {
  try {
    if (!isTime(e.at)) throw new TallyError('invalid_argument', `at must be a time in ms since the epoch; got ${String(e.at)}`)
    switch (e.type) {
      case 'run':
        checkId(e.id)
        checkProject(e.project)
        if (e.name !== '') checkText('name', e.name)
        if (e.group != null) checkText('group', e.group)
        if (e.description != null) checkText('description', e.description)
        if (e.tags !== undefined) checkTags(e.tags)
        checkConfig(e.config)
        checkConfig(e.system, 'system')
        if (!isTime(e.createdAt)) throw new TallyError('invalid_argument', `createdAt must be a time in ms; got ${String(e.createdAt)}`)
        break
      case 'meta':
        if (e.name !== undefined) checkText('name', e.name)
        if (e.group !== undefined && e.group !== null) checkText('group', e.group)
        if (e.description !== undefined && e.description !== null) checkText('description', e.description)
        if (e.tags !== undefined) checkTags(e.tags)
        break
      case 'config':
        checkConfig(e.config)
        break
      case 'summary':
        checkConfig(e.summary, 'summary')
        break
      case 'result':
        checkKey(e.key)
        if (typeof e.value !== 'number') throw new TallyError('invalid_value', `result ${e.key} is not a number`)
        break
      case 'status':
        if (e.error !== undefined && typeof e.error !== 'string') throw new TallyError('invalid_argument', 'a status error is a string')
        break
      case 'metadata':
        checkStepOf(e.step)
        if (!Array.isArray(e.keys)) throw new TallyError('invalid_argument', 'metadata names the keys it belongs to')
        for (const key of e.keys) checkKey(key)
        checkMetadata(e.metadata)
        break
      case 'artifact':
        checkArtifactEvent(e)
        break
      case 'value':
        checkStepOf(e.step)
        checkKey(e.key)
        break
      case 'console':
        if (!Array.isArray(e.lines)) throw new TallyError('invalid_argument', 'a console event carries an array of lines')
        for (const line of e.lines) checkConsoleLine(line)
        break
    }
  } catch (err) {
    if (!(err instanceof TallyError)) throw err
    throw new TallyError('spool_format', `writer ${writerId} sent a ${String(e.type)} event the store refuses: ${err.message}`)
  }
}

function checkStepOf(step: number): void {
  if (!(Number.isInteger(step) && step >= 0 && step <= MAX_STEP)) {
    throw new TallyError('invalid_step', `step must be an integer from 0 to 2^53-1; got ${String(step)}`)
  }
}

/** A rich value as stored: its description as tagged JSON, an image's bytes beside it. */
export interface StoredValue {
  key: string
  step: number
  kind: ValueKind
  at: number
  payload: string
  data: Buffer | null
}

/** Rebuilt through the SDK's classes: the same checks and limits whichever client sent it. */
function storedValue(writerId: string, e: ValueEvent): StoredValue {
  let value: RichValue
  try {
    value = richValueOf(e.kind, e.value, e.data)
  } catch (err) {
    if (!(err instanceof TallyError)) throw err
    throw new TallyError('spool_format', `writer ${writerId} sent a value event the store refuses: ${err.message}`)
  }
  const data = e.kind === 'image' ? Buffer.from(e.data as string, 'base64') : null
  return { key: e.key, step: e.step, kind: value.kind, at: e.at, payload: stringifyTagged(value.payload()), data }
}

function checkConsoleLine(line: ConsoleLine): void {
  if (line === null || typeof line !== 'object') throw new TallyError('invalid_argument', 'a console line is an object')
  if (line.stream !== 'stdout' && line.stream !== 'stderr') {
    throw new TallyError('invalid_argument', `a console line's stream is stdout or stderr; got ${JSON.stringify(line.stream)}`)
  }
  if (!isTime(line.at)) throw new TallyError('invalid_argument', `a console line's at must be a time in ms; got ${String(line.at)}`)
  if (typeof line.text !== 'string' || line.text.length > MAX_LINE_CHARS) {
    throw new TallyError('invalid_argument', `a console line's text is a string of at most ${MAX_LINE_CHARS} characters`)
  }
}

/** The later of two times; a time that is not finite is ignored. */
const later = (a: number, b: number): number => (Number.isFinite(b) && b > a ? b : a)

function mergeJson(text: string, patch: unknown): string {
  return isObject(patch) ? stringifyTagged({ ...parseObject(text), ...patch }) : text
}

function seqGap(writerId: string, acked: number, seq: number): TallyError {
  return new TallyError(
    'seq_gap',
    `writer ${writerId}: record ${seq} came, but the store has acknowledged up to ${acked}; resend from record ${acked + 1}`,
    { details: { ackedSeq: acked } },
  )
}

/**
 * A writer new to the store naming a deleted run. Only the deleted run's own writers have
 * their late records dropped; a new one is refused, so a run started again with that id
 * (`init({ id })`) is told instead of losing its data in silence.
 */
export function runDeleted(runId: string): TallyError {
  return new TallyError('run_exists', `run id ${runId} belonged to a run that was deleted; start the run with another id`)
}

export function runTaken(runId: string): TallyError {
  return new TallyError('run_exists', `run id ${runId} is taken in another workspace; start the run with another id`)
}

/** The run id `record` names when it is a run event, for finding a deleted run's tombstone. */
export function runEventId(record: SpoolRecord): string | undefined {
  if (record.kind !== KIND_EVENT || record.event.type !== 'run' || typeof record.event.id !== 'string') return undefined
  return record.event.id
}

/** A writer's acknowledged seq, advanced by one call's records in order. */
export class AckedSeq {
  acked: number
  applied = 0

  constructor(
    private readonly writerId: string,
    private readonly stored: number,
  ) {
    this.acked = stored
  }

  /**
   * Whether the record is the next to apply; it then counts as acknowledged. False for a
   * record acknowledged already (a replay); `seq_gap` for one past the next.
   */
  take(seq: number): boolean {
    if (!(seq > this.acked)) return false
    if (seq !== this.acked + 1) throw seqGap(this.writerId, this.stored, seq)
    this.acked = seq
    this.applied++
    return true
  }

  ack(points: number): IngestAck {
    return { writerId: this.writerId, ackedSeq: this.acked, applied: this.applied, points }
  }
}

export function checkProjectName(name: unknown): void {
  if (typeof name !== 'string' || name === '') throw new TallyError('spool_format', 'a run event has no project name')
}

/** What one call moves forward in a writer's row, whatever else the schema keeps there. */
export interface WriterProgress {
  acked_seq: number
  /** The spool file last ingested from, for a local ingest to resume. */
  file: string | null
  last_seen_at: number
}

/** The columns of a writer row both schemas fill alike from a run event. */
export interface RunEventWriter extends WriterProgress {
  writer_id: string
  run_id: string
  host: string
  runtime: string
}

/** The run a run event creates, in project `projectId`. */
export function newRun(e: RunEvent, projectId: number): RunRow {
  return {
    id: e.id,
    project_id: projectId,
    name: typeof e.name === 'string' && e.name !== '' ? e.name : e.id,
    group_name: e.group ?? null,
    tags: JSON.stringify(Array.isArray(e.tags) ? e.tags : []),
    description: e.description ?? null,
    config: stringifyTagged(isObject(e.config) ? e.config : {}),
    explicit_summary: '{}',
    results: '{}',
    summary: '{}',
    status: 'running',
    error: null,
    created_at: Number.isFinite(e.createdAt) ? e.createdAt : e.at,
    updated_at: e.at,
    finished_at: null,
    heartbeat_at: e.at,
    last_step: null,
    system: stringifyTagged(isObject(e.system) ? e.system : {}),
  }
}

/** A run's summary: `lastValues` (each series' last value, by key), then the explicit summary, then results. */
export function summaryText(r: RunRow, lastValues: [string, JsonValue][]): string {
  for (const text of [r.explicit_summary, r.results]) lastValues.push(...Object.entries(parseObject(text)))
  return stringifyTagged(Object.fromEntries(lastValues))
}

/** Points of one series gathered from one ingest call, in arrival order. */
export class PendingPoints {
  n = 0
  steps: Float64Array = new Float64Array(64)
  times: Float64Array = new Float64Array(64)
  values: Float64Array = new Float64Array(64)

  push(step: number, time: number, value: number): void {
    if (this.n === this.steps.length) this.grow()
    this.steps[this.n] = step
    this.times[this.n] = time
    this.values[this.n++] = value
  }

  private grow(): void {
    const size = this.n * 2
    this.steps = grown(this.steps, size)
    this.times = grown(this.times, size)
    this.values = grown(this.values, size)
  }

  /** Sorted by step, one point per step, the later arrival winning. */
  normalized(): PointColumns {
    const { n, steps, times, values } = this
    let sorted = true
    for (let i = 1; i < n; i++) {
      if (!((steps[i] as number) > (steps[i - 1] as number))) {
        sorted = false
        break
      }
    }
    if (sorted) return { steps: steps.subarray(0, n), times: times.subarray(0, n), values: values.subarray(0, n) }
    const order = new Uint32Array(n)
    for (let i = 0; i < n; i++) order[i] = i
    order.sort((a, b) => (steps[a] as number) - (steps[b] as number) || a - b)
    const out = pointColumns(n)
    let m = 0
    for (let j = 0; j < n; j++) {
      const i = order[j] as number
      const s = steps[i] as number
      // Equal steps are ordered by arrival, so overwriting keeps the latest.
      const k = m > 0 && out.steps[m - 1] === s ? m - 1 : m++
      out.steps[k] = s
      out.times[k] = times[i] as number
      out.values[k] = values[i] as number
    }
    return { steps: out.steps.subarray(0, m), times: out.times.subarray(0, m), values: out.values.subarray(0, m) }
  }
}

/**
 * What one ingest call changes, kept in memory and written back once at its end. A backend
 * extends it with its writer row (whose `closed` column it stores its own way).
 */
export abstract class IngestState<R extends RunRow> {
  /** The run the records go to: the writer's, or the one its run event names. */
  run: R | undefined = undefined
  readonly pending = new Map<string, PendingPoints>()
  /** The explicit summary or the results changed. */
  summaryDirty = false
  /** Latest activity time seen (events' `at`, rows' times); heartbeats count only here. */
  seenAt = 0
  /** Latest time of anything but a heartbeat. */
  updatedAt = 0
  /** Set by any event but a heartbeat: watchers hear of the run. */
  runChanged = false
  /** Point metadata of this call, `[key, step, tagged JSON]`, in arrival order (a later one wins). */
  readonly metadata: [string, number, string][] = []
  /** Rich values of this call, in arrival order (a later one at the same key and step wins). */
  readonly values: StoredValue[] = []
  /** Console lines of this call, in order; the backend numbers them after the run's last. */
  readonly console: ConsoleLine[] = []
  /** Artifact versions of this call, checked, in order; the backend numbers them. */
  readonly artifacts: ArtifactEvent[] = []

  /**
   * @param receivedAt When a server received the records, by its own clock. Given, a
   * writer's liveness and the run's heartbeat go by it, not by the records' times, which
   * come from the client's clock (off by minutes on some machines).
   */
  constructor(
    readonly writerId: string,
    private readonly receivedAt?: number,
  ) {}

  /** A status event: the writer is done with the run, whose status its liveness no longer decides. */
  protected abstract closeWriter(): void

  /** Apply an event other than the run event (which the backend applies: it finds or creates the run). */
  applyEvent(e: Exclude<SpoolEvent, RunEvent>): void {
    checkEvent(this.writerId, e)
    const r = this.run
    if (r === undefined) throw new TallyError('spool_format', `writer ${this.writerId} sent a ${e.type} event before its run event`)
    switch (e.type) {
      case 'config':
        r.config = mergeJson(r.config, e.config)
        break
      case 'summary':
        r.explicit_summary = mergeJson(r.explicit_summary, e.summary)
        this.summaryDirty = true
        break
      case 'result':
        if (typeof e.key === 'string' && typeof e.value === 'number') {
          r.results = mergeJson(r.results, { [e.key]: e.value })
          this.summaryDirty = true
        }
        break
      case 'status':
        if (e.status !== 'finished' && e.status !== 'failed') {
          throw new TallyError(
            'spool_format',
            `writer ${this.writerId} sent status ${JSON.stringify(e.status)}; expected finished or failed`,
          )
        }
        // The latest end by the writers' clocks wins, whichever file the store took first: a
        // process that ended before the run's last end (a forked worker, a DDP rank) does not
        // overwrite it.
        if (!endedLater(r, e.at)) {
          r.status = e.status
          r.finished_at = e.at
          r.error = e.error ?? null
        }
        this.closeWriter()
        break
      case 'meta':
        if (typeof e.name === 'string' && e.name !== '') r.name = e.name
        if (e.group !== undefined) r.group_name = e.group
        if (Array.isArray(e.tags)) r.tags = JSON.stringify(e.tags)
        if (e.description !== undefined) r.description = e.description
        break
      case 'metadata':
        for (const key of e.keys) this.metadata.push([key, e.step, stringifyTagged(e.metadata)])
        break
      case 'value':
        this.values.push(storedValue(this.writerId, e))
        break
      case 'console':
        for (const line of e.lines) this.console.push(line)
        break
      case 'artifact':
        this.artifacts.push(checkArtifactEvent(e))
        break
      case 'heartbeat':
        break
      default:
        // An event type from a newer SDK: acknowledged, and left for a newer store.
        break
    }
    this.sawEvent(e)
  }

  /** `not_found`: the writer is registered in another workspace than the records are sent to. */
  notInWorkspace(): TallyError {
    return new TallyError('not_found', `no writer ${this.writerId} in this workspace; check the workspace the records are sent to`)
  }

  /** A writer new to the store must start with its run event, seq 1. */
  checkFirstRecord(head: SpoolRecord): void {
    if (head.seq > 1) throw seqGap(this.writerId, 0, head.seq)
    if (head.kind !== KIND_EVENT || head.event.type !== 'run') {
      throw new TallyError(
        'spool_format',
        `writer ${this.writerId} is new to this store, but its first record (seq ${head.seq}) is not its run event; ingest its spool file from the start`,
      )
    }
  }

  /**
   * Acknowledge the records of a deleted run's writer without storing them: the run was
   * deleted on purpose. The caller saves the tombstone's new acked seq.
   */
  dropRecords(records: readonly SpoolRecord[], tombstone: Tombstone, workspaceId: number): IngestAck {
    if (tombstone.workspace_id !== workspaceId) throw this.notInWorkspace()
    const seqs = new AckedSeq(this.writerId, tombstone.acked_seq)
    for (const record of records) seqs.take(record.seq)
    return seqs.ack(0)
  }

  /** Check a run event against the run this writer writes. */
  checkRunEvent(e: RunEvent): void {
    checkEvent(this.writerId, e)
    if (this.run !== undefined && this.run.id !== e.id) {
      throw new TallyError('spool_format', `writer ${this.writerId} writes run ${this.run.id}, yet sent a run event for ${e.id}`)
    }
  }

  /**
   * Resume a stored run (or join it, as a second process of the same run): running again,
   * its descriptive fields replaced only by values the run event actually gives.
   */
  resumeRun(r: R, e: RunEvent): void {
    if (this.run === undefined && e.resume === 'never') {
      // A new writer that meant to start this run: someone else has it (another machine,
      // or a concurrent request). Joining would overwrite their points.
      throw new TallyError('run_exists', `run id ${r.id} exists already; start with another id, or pass resume: 'allow' to continue it`)
    }
    // A writer that joined before the run ended (a forked worker taken after its parent's
    // file) leaves the end standing; one that starts after it resumes the run.
    if (!endedLater(r, e.at)) {
      r.status = 'running'
      r.finished_at = null
      r.error = null
    }
    r.config = mergeJson(r.config, e.config)
    r.system = mergeJson(r.system, e.system)
    if (typeof e.name === 'string' && e.name !== '') r.name = e.name
    if (typeof e.group === 'string') r.group_name = e.group
    if (typeof e.description === 'string') r.description = e.description
    if (Array.isArray(e.tags) && e.tags.length > 0) r.tags = JSON.stringify(e.tags)
    this.run = r
  }

  /**
   * The writer as a run event describes it, its progress carried over from the row it
   * replaces; the backend adds the spool offset, the pid and `closed` as its schema stores them.
   */
  runEventWriter(e: RunEvent, runId: string, prev: WriterProgress | undefined): RunEventWriter {
    return {
      writer_id: this.writerId,
      run_id: runId,
      acked_seq: prev?.acked_seq ?? 0,
      file: prev?.file ?? null,
      host: String(e.writer?.host ?? ''),
      runtime: String(e.writer?.runtime ?? ''),
      last_seen_at: later(prev?.last_seen_at ?? 0, this.receivedAt ?? e.at),
    }
  }

  /** A writer's last-seen time once this call is applied. */
  lastSeen(lastSeenAt: number): number {
    return later(lastSeenAt, this.receivedAt ?? this.seenAt)
  }

  /**
   * Count an applied event's time; every event but a heartbeat or console output changes
   * the run (console lines are their own change, so a chatty run does not re-send itself).
   */
  sawEvent(e: SpoolEvent): void {
    if (e.type !== 'heartbeat' && e.type !== 'console') {
      this.runChanged = true
      this.updatedAt = later(this.updatedAt, e.at)
    }
    this.seenAt = later(this.seenAt, e.at)
  }

  /** Gather a batch's points per key; the backend writes them once per call. Returns how many there were. */
  collectPoints(batch: PointsBatch): number {
    if (this.run === undefined) throw new TallyError('spool_format', `writer ${this.writerId} sent points before its run event`)
    const { keys, steps, times, counts, keyIndex, values } = batch
    const slots: PendingPoints[] = []
    for (const key of keys) {
      if (!this.pending.has(key)) this.checkKey(key)
      let p = this.pending.get(key)
      if (p === undefined) {
        p = new PendingPoints()
        this.pending.set(key, p)
      }
      slots.push(p)
    }
    let maxTime = Number.NEGATIVE_INFINITY
    let i = 0
    for (let r = 0; r < steps.length; r++) {
      const step = steps[r] as number
      if (!(step >= 0 && step <= MAX_STEP && Number.isInteger(step))) {
        throw new TallyError('spool_format', `writer ${this.writerId} sent step ${step}; steps are integers in [0, 2^53)`)
      }
      const time = times[r] as number
      if (!(time >= 0 && time <= MAX_TIME)) {
        throw new TallyError('spool_format', `writer ${this.writerId} sent time ${time}; times are ms since the epoch`)
      }
      if (time > maxTime) maxTime = time
      const end = i + (counts[r] as number)
      for (; i < end; i++) (slots[keyIndex[i] as number] as PendingPoints).push(step, time, values[i] as number)
    }
    this.seenAt = later(this.seenAt, maxTime)
    this.updatedAt = later(this.updatedAt, maxTime)
    return values.length
  }

  private checkKey(key: string): void {
    try {
      checkKey(key)
    } catch (e) {
      throw new TallyError('spool_format', `writer ${this.writerId} sent a metric key the store refuses: ${(e as Error).message}`)
    }
  }

  /** The call's times, into the run: any activity is a heartbeat; anything but a heartbeat an update. */
  stampRun(r: RunRow): void {
    r.heartbeat_at = later(r.heartbeat_at, this.receivedAt ?? this.seenAt)
    r.updated_at = later(r.updated_at, this.updatedAt)
  }
}

/** Whether the run ended (finished or failed) after `at`, by the writers' clocks. */
function endedLater(r: { status: string; finished_at: number | null }, at: number): boolean {
  return r.status !== 'running' && r.finished_at !== null && r.finished_at > at
}
