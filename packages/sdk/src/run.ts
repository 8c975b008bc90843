import { hostname } from 'node:os'
import { join } from 'node:path'
import { type ArtifactVersion, serverArtifactVersions, spoolArtifactVersions } from './artifacts/catalog.js'
import { Artifact, blobsDir, type LoggedArtifact } from './artifacts/index.js'
import { PointBuffer } from './batch.js'
import {
  type CaptureOptions,
  type ConsoleCapture,
  ConsoleLines,
  type ConsoleStream,
  captureConsole,
  capturedSystem,
  captureSettings,
  SystemSampler,
} from './capture/index.js'
import { TallyError } from './errors.js'
import type { JsonValue } from './json.js'
import { track, untrack } from './lifecycle.js'
import { newRunName, newWriterId } from './names.js'
import { type RemoteTarget, remoteTarget, resolveRemoteRun, runUrl, Sender, writeSidecar } from './remote/index.js'
import { type ResolvedRun, resolveRun } from './resolve.js'
import { MAGIC, type SpoolEvent, type ValueEvent, type WriterInfo } from './spool/format.js'
import { readRunIndex } from './spool/reader.js'
import { SpoolWriter, spoolDir, writeRunIndex } from './spool/writer.js'
import { checkConfig, checkKey, checkMetadata, checkStep, checkValue } from './validate.js'
import { Image, RichValue } from './values/rich.js'

export const SDK_VERSION = '0.1.0'

export type ResumeMode = 'never' | 'allow' | 'must'

export interface InitOptions {
  /** Project the run belongs to. Default: `TALLY_PROJECT`, else "default". */
  project?: string
  /** Readable name; generated (`brisk-river-42`) when absent. Names need not be unique. */
  name?: string
  /** Run id (1–64 of `[A-Za-z0-9_-]`); generated when absent. */
  id?: string
  group?: string
  tags?: string[]
  description?: string
  /** Hyperparameters: a plain JSON object. */
  config?: Record<string, unknown>
  /**
   * `never` (default) always creates a run; `allow` resumes the run with this id, or the
   * latest with this name, or creates one; `must` resumes it or throws `run_not_found`.
   * A resumed run continues at its last step + 1.
   */
  resume?: ResumeMode
  /** Where the spool and store live. Default: `TALLY_DIR`, else `~/.tally`. */
  dir?: string
  /** How often the background flush runs, in ms. Default 500. */
  flushIntervalMs?: number
  /** Write a heartbeat when nothing else was written for this long, in ms. Default 10,000. */
  heartbeatMs?: number
  /**
   * Called when writing the spool fails (the data is kept and retried) and, in remote mode,
   * when the server cannot be reached or refuses the records. Default: a warning on stderr.
   */
  onError?: (error: TallyError) => void
  /**
   * Remote mode: log to this Tally server (`tally serve`). Default: `TALLY_SERVER_URL`; without
   * either, the run is local. The spool is still written first; a background sender ships it.
   */
  serverUrl?: string
  /** A writer key of the workspace (`tally_sk_…`). Default: `TALLY_API_KEY`. */
  apiKey?: string
  /** The server's workspace. Default: `TALLY_WORKSPACE`, else "default". */
  workspace?: string
  /**
   * Remote mode: how long `finish()` waits for the server to have every record, in ms.
   * Past it, `finish()` resolves with a warning; the rest stays in the spool for `tally sync`.
   * Default 30,000.
   */
  finishTimeoutMs?: number
  /** Do not print the run's address on stderr at `init`. */
  quiet?: boolean
  /**
   * What the run records by itself, each on by default: `system` metrics (`system/*` series
   * every 10 s, or `{ intervalMs }`), `git` state, `env` (runtime, OS, hardware, packages,
   * environment variables with secret-looking values redacted), `console` (stdout and stderr,
   * still printed) and `argv` (the command line; its `--flags` fill config keys not given).
   * `false` switches all off. An explicit option beats `TALLY_CAPTURE_<NAME>=0|1`, which
   * beats `TALLY_CAPTURE=0|1`.
   */
  capture?: boolean | CaptureOptions
  /**
   * Same as `capture: { console }`, kept for scripts written before `capture`. Output written
   * by other means than `process.stdout.write` / `process.stderr.write` (a child process
   * inheriting the terminal) is not seen.
   */
  captureConsole?: boolean
}

export interface LogOptions {
  /** Integer ≥ 0. Default: the previous call's step + 1 (0 for a new run). */
  step?: number
  /**
   * Metadata of this call's points (Tora's per-point metadata): a JSON object of at most
   * 10 KB as JSON, kept with each key at this step. Read back per series through the API.
   */
  metadata?: Record<string, unknown>
}

export interface FinishOptions {
  /** Default `finished`. */
  status?: 'finished' | 'failed'
  error?: string
  exitCode?: number
}

/** Flush as soon as the batch holds this many values, not only on the timer. */
const FLUSH_POINTS = 200_000

type RunState = 'running' | 'finished'

/**
 * A run: what `init` returns. `log` appends to memory and never waits on I/O; a background
 * flush writes the spool every 0.5 s (and `log` itself once 0.5 s have passed or the batch
 * is large, so a tight synchronous loop is durable too).
 */
export class Run {
  readonly id: string
  readonly project: string
  readonly name: string
  readonly group: string | null
  readonly tags: readonly string[]
  readonly description: string | null
  readonly dir: string
  /** True when `init` resumed an existing run. */
  readonly resumed: boolean
  /** The run's page on the server's dashboard; undefined for a local run. */
  readonly url: string | undefined
  /**
   * Hyperparameters. Setting a key (`run.config.lr = 0.1`) or `run.config.update({...})`
   * records the change.
   */
  readonly config: Record<string, JsonValue> & { update(values: Record<string, unknown>): void }
  /** Explicit summary values; they win over the last logged value of a metric. */
  readonly summary: Record<string, JsonValue> & { update(values: Record<string, unknown>): void }

  private readonly buffer = new PointBuffer()
  private readonly writer: SpoolWriter
  private readonly events: SpoolEvent[] = []
  private readonly consoleLines = new ConsoleLines()
  private readonly capture: ConsoleCapture | undefined
  private readonly sampler: SystemSampler | undefined
  private readonly createdAt: number
  /** Step and time of the last system sample: its own timeline, apart from the user's steps. */
  private systemStep = -1
  private systemAt = -1
  private readonly flushIntervalMs: number
  private readonly heartbeatMs: number
  private readonly onError: (error: TallyError) => void
  private readonly timer: NodeJS.Timeout
  /** Remote mode: ships the spool file to the server. */
  private readonly sender: Sender | undefined
  private readonly target: RemoteTarget | undefined
  private readonly finishTimeoutMs: number
  private nextStep: number
  private lastFlushAt: number
  private lastWriteAt: number
  /** When each error code was last told, so a flood of one kind never hides another. */
  private readonly lastErrorAt = new Map<string, number>()
  private state: RunState = 'running'

  /** Use `init()`. */
  constructor(options: InitOptions = {}) {
    const capture = captureSettings(options?.capture, options?.captureConsole)
    const target = remoteTarget(options ?? {})
    const resolved: ResolvedRun = target ? resolveRemoteRun(options, target) : resolveRun(options)
    this.id = resolved.id
    this.project = resolved.project
    this.name = resolved.name ?? newRunName()
    this.group = resolved.group
    this.tags = Object.freeze([...resolved.tags])
    this.description = resolved.description
    this.dir = resolved.dir
    this.resumed = resolved.resumed
    this.nextStep = resolved.lastStep + 1
    this.flushIntervalMs = options.flushIntervalMs ?? 500
    this.heartbeatMs = options.heartbeatMs ?? 10_000
    this.onError = options.onError ?? warnOnce
    this.finishTimeoutMs = checkTimeout(options.finishTimeoutMs)
    this.createdAt = resolved.createdAt
    const now = Date.now()
    const writer: WriterInfo = {
      id: newWriterId(),
      host: hostname(),
      pid: process.pid,
      runtime: `node/${process.versions.node} tally-sdk/${SDK_VERSION}`,
      startedAt: now,
    }
    // A run resumed from the server may have no index here yet; it gets one, so that a later
    // resume by name finds it even while the server is unreachable.
    const captured = capturedSystem(capture, {
      host: writer.host,
      pid: process.pid,
      platform: process.platform,
      arch: process.arch,
      runtime: writer.runtime,
      cwd: process.cwd(),
    })
    // Flags fill only what the config does not say: the script's own config wins.
    const config = { ...captured.flags, ...resolved.config }
    if (!resolved.resumed || readRunIndex(join(spoolDir(this.dir), this.id)) === undefined) {
      writeRunIndex(this.dir, { id: this.id, project: this.project, name: this.name, createdAt: resolved.createdAt })
    }
    this.writer = new SpoolWriter(this.dir, this.id, writer.id)
    this.writer.event({
      type: 'run',
      at: now,
      writer,
      id: this.id,
      project: this.project,
      name: this.name,
      group: this.group,
      tags: [...this.tags],
      description: this.description,
      config,
      createdAt: resolved.createdAt,
      resumed: resolved.resumed,
      resume: options.resume ?? 'never',
      system: captured.system,
    })
    // The run exists on disk before init returns: a crash a moment later still shows it.
    this.writer.commit()
    this.lastFlushAt = now
    this.lastWriteAt = now
    this.config = recordingObject(config, 'config', (values) => this.queue({ type: 'config', at: Date.now(), config: values }))
    this.summary = recordingObject({}, 'summary', (values) => this.queue({ type: 'summary', at: Date.now(), summary: values }))
    this.timer = setInterval(() => this.tick(), this.flushIntervalMs)
    this.timer.unref()
    this.target = target
    this.sender = target ? this.startSender(target, writer.id) : undefined
    this.url = target ? runUrl(target, this.project, this.id) : undefined
    if (this.url !== undefined && !options.quiet) process.stderr.write(`tally: logging to ${this.url}\n`)
    this.capture = capture.console ? captureConsole((stream, text) => this.consoleLines.write(stream, text, Date.now())) : undefined
    this.sampler = capture.system === false ? undefined : new SystemSampler(capture.system, (values, at) => this.logSystem(values, at))
    track(this)
  }

  /**
   * System metrics go into the batch on their own timeline: step = seconds since the run was
   * created. Logged at the user's step, samples between two of the user's steps would
   * replace each other, and the user's step counter is left alone. Stores do not count
   * `system/` series towards a run's last step, so resume is unaffected too.
   */
  private logSystem(values: Record<string, number>, at: number): void {
    if (this.state !== 'running') return
    const step = at === this.systemAt ? this.systemStep : Math.max(this.systemStep + 1, Math.floor((at - this.createdAt) / 1000))
    this.systemStep = step
    this.systemAt = at
    const buffer = this.buffer
    buffer.beginRow(step, at)
    for (const key in values) buffer.push(buffer.keyId(key) ?? buffer.addKey(key), values[key] as number)
    buffer.endRow()
  }

  /**
   * The sidecar is written before the first send, so the spool records which server and
   * workspace this writer's records belong to even if the process dies at once.
   */
  private startSender(target: RemoteTarget, writerId: string): Sender {
    const path = this.writer.path
    writeSidecar(path, { serverUrl: target.serverUrl, workspace: target.workspace, ackedSeq: 0, offset: MAGIC.length })
    return new Sender({ path, writerId, target, onError: (e) => this.report(e) })
  }

  /** The step the next `log` call without a step will use. */
  get step(): number {
    return this.nextStep
  }

  get finished(): boolean {
    return this.state === 'finished'
  }

  /**
   * Log metrics at one step: numbers go to series (NaN and ±Infinity are kept); rich values
   * (`Table`, `Histogram`, `Image`, `Markdown`) are stored whole at that step. A value logged
   * again at the same (key, step) replaces the earlier one. Throws `TallyError` on invalid
   * input and logs nothing of that call.
   *
   * @example
   * run.log({ loss: 0.25, 'train/acc': 0.91 })
   * run.log({ val_loss: 0.3 }, { step: 100 })
   * run.log({ preds: new Table({ columns: ['x', 'y'], rows: [[1, 2]] }), weights: new Histogram(w) })
   */
  log(metrics: Record<string, number | RichValue>, options?: LogOptions): void {
    if (this.state !== 'running') throw finishedError(this)
    if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
      throw new TallyError('invalid_argument', 'log() takes an object of metric names to numbers, e.g. run.log({ loss: 0.1 })')
    }
    const step = options?.step === undefined ? this.nextStep : checkStep(options.step)
    const metadata = options?.metadata === undefined ? undefined : checkMetadata(options.metadata)
    const now = Date.now()
    const buffer = this.buffer
    const rich: ValueEvent[] = []
    const numeric: string[] = []
    buffer.beginRow(step, now)
    try {
      for (const key in metrics) {
        const value = metrics[key]
        if (value instanceof RichValue) {
          rich.push(valueEvent(now, step, checkKey(key), value))
          continue
        }
        if (typeof value !== 'number') checkValue(key, value)
        let id = buffer.keyId(key)
        if (id === undefined) id = buffer.addKey(checkKey(key))
        buffer.push(id, value as number)
        numeric.push(key)
      }
    } catch (e) {
      buffer.abortRow()
      throw e
    }
    // A call of only rich values adds no row: an empty one would tell stores nothing.
    if (numeric.length > 0) buffer.endRow()
    else buffer.abortRow()
    if (metadata !== undefined && numeric.length > 0) this.events.push({ type: 'metadata', at: now, step, keys: numeric, metadata })
    for (const event of rich) this.events.push(event)
    this.nextStep = step + 1
    if (buffer.points >= FLUSH_POINTS || now - this.lastFlushAt >= this.flushIntervalMs) this.tryFlush(now)
  }

  /**
   * Record a final result (e.g. test accuracy). Results appear in the run's summary and win
   * over logged values of the same key.
   *
   * @example
   * run.result('test_acc', 0.97)
   */
  result(key: string, value: number): void {
    if (this.state !== 'running') throw finishedError(this)
    checkKey(key)
    checkValue(key, value)
    this.queue({ type: 'result', at: Date.now(), key, value })
  }

  /**
   * Log a version of an artifact: its files are hashed (sha256) and copied once into the
   * blob folder (`<dir>/blobs`; the same bytes are stored once, whatever artifact holds
   * them), and its manifest goes into the spool. The store numbers versions per project and
   * name (`v0`, `v1`, …) when it takes the record; the same content again is the same version.
   * In remote mode the sender uploads the blobs before the manifest.
   *
   * @example
   * const logged = await run.logArtifact(new Artifact('resnet', 'model').addFile('model.bin'))
   */
  async logArtifact(artifact: Artifact): Promise<LoggedArtifact> {
    if (this.state !== 'running') throw finishedError(this)
    if (!(artifact instanceof Artifact)) {
      throw new TallyError('invalid_argument', "logArtifact() takes an Artifact: new Artifact('name', 'model').addFile('model.bin')")
    }
    const { event, newBlobs } = await artifact.build(blobsDir(this.dir), Date.now())
    this.queue(event)
    await this.flush()
    return { name: event.name, type: artifact.type, digest: event.digest, newBlobs, entries: event.entries }
  }

  /**
   * Every version of every artifact in this run's project, oldest first, numbered as the
   * store numbers them (`version: 3` is `v3`), with `latest` and the aliases each carries.
   * It first makes sure what this run logged is counted: written to the spool (local mode,
   * read from there) or taken by the server (remote mode, asked over HTTP).
   *
   * @example
   * const model = (await run.artifactVersions()).findLast((v) => v.name === 'resnet')
   */
  async artifactVersions(): Promise<ArtifactVersion[]> {
    if (this.state === 'running') await this.flush()
    if (!this.target || !this.sender) return spoolArtifactVersions(this.dir, this.project)
    if (this.state === 'running' && !(await this.sender.delivered(this.writer.lastSeq, this.finishTimeoutMs))) {
      throw new TallyError(
        'server_unreachable',
        `${this.target.serverUrl} has not taken this run's records within ${this.finishTimeoutMs / 1000} s, so its artifacts cannot be read back yet; try again`,
      )
    }
    return serverArtifactVersions(this.target, this.project)
  }

  /**
   * Record console output with the run: `text` is split into lines at each newline; an
   * unfinished line waits for its newline, or for `flush` / `finish`. Console capture (on
   * unless `init({ capture: { console: false } })`) calls this for everything the process
   * prints; call it yourself to record output
   * that does not pass through `process.stdout` (a child process's, say).
   *
   * @example
   * run.console('stderr', 'warning: learning rate clipped\n')
   */
  console(stream: ConsoleStream, text: string): void {
    if (this.state !== 'running') throw finishedError(this)
    if (stream !== 'stdout' && stream !== 'stderr') {
      throw new TallyError('invalid_argument', `console() takes 'stdout' or 'stderr' as its stream; got ${JSON.stringify(stream)}`)
    }
    if (typeof text !== 'string') throw new TallyError('invalid_argument', `console() takes a string of text; got ${typeof text}`)
    this.consoleLines.write(stream, text, Date.now())
  }

  /**
   * Resolves when everything logged so far is in the spool. Rejects with `spool_io` when
   * the spool cannot be written after a few tries; the data stays queued and is retried.
   *
   * @example
   * await run.flush()
   */
  async flush(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.flushSync()
        return
      } catch (e) {
        if (attempt >= 4) throw e
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt))
      }
    }
  }

  /**
   * Flush, mark the run finished (or failed) and close its spool file. Later `log` calls
   * throw `run_finished`. Calling it twice is harmless. In remote mode it then waits, up to
   * `finishTimeoutMs`, until the server has every record.
   *
   * @example
   * await run.finish()
   */
  async finish(options: FinishOptions = {}): Promise<void> {
    if (this.state === 'finished') return
    await this.flush()
    this.end(options)
    await this.deliver()
  }

  /**
   * Synchronous finish, for exit handlers. Nothing can wait for the network there: in remote
   * mode, what the server has not acknowledged stays in the spool for `tally sync`.
   */
  finishSync(options: FinishOptions = {}): void {
    if (this.state === 'finished') return
    this.end(options)
    if (this.sender) this.stopSending(this.sender, 'before the process ended')
  }

  private async deliver(): Promise<void> {
    if (!this.sender) return
    await this.sender.delivered(this.writer.lastSeq, this.finishTimeoutMs)
    this.stopSending(this.sender, `within ${this.finishTimeoutMs / 1000} s`)
  }

  /** Stop the sender and say what stays in the spool, if anything does. */
  private stopSending(sender: Sender, when: string): void {
    sender.stop()
    const missing = this.writer.lastSeq - sender.ackedSeq
    if (missing <= 0) return
    const why = sender.error ? `: the server refused them (${sender.error.code})` : ` ${when}`
    const message = `run ${this.id}: ${missing} spool record(s) did not reach ${this.url}${why}; they stay in the spool under ${this.dir}, and \`tally sync\` sends them`
    this.tell(new TallyError(sender.error?.code ?? 'server_unreachable', message))
  }

  private end(options: FinishOptions): void {
    this.state = 'finished'
    this.capture?.restore()
    this.sampler?.stop()
    clearInterval(this.timer)
    untrack(this)
    const event: SpoolEvent = { type: 'status', at: Date.now(), status: options.status ?? 'finished' }
    if (options.error !== undefined) event.error = options.error
    if (options.exitCode !== undefined) event.exitCode = options.exitCode
    this.events.push(event)
    try {
      this.drain(true)
      this.writer.close()
    } catch (e) {
      this.report(e)
    }
  }

  /** Write the batch and queued events now. Throws `spool_io` when the write fails. */
  flushSync(): void {
    this.write(true)
  }

  private write(partialLines: boolean): void {
    this.drain(partialLines)
    this.writer.commit()
    this.lastFlushAt = Date.now()
    this.lastWriteAt = this.lastFlushAt
    this.sender?.wake()
  }

  /** `partial`: unfinished console lines go too (an explicit flush or the end), not on the timer. */
  private drain(partial: boolean): void {
    if (this.buffer.rows > 0) this.writer.points(this.buffer.take())
    const lines = this.consoleLines.take(partial)
    if (lines.length > 0) this.writer.event({ type: 'console', at: Date.now(), lines })
    for (const event of this.events) this.writer.event(event)
    this.events.length = 0
  }

  private queue(event: SpoolEvent): void {
    if (this.state !== 'running') throw finishedError(this)
    this.events.push(event)
  }

  private tryFlush(now: number): void {
    try {
      this.write(false)
    } catch (e) {
      // Never throw I/O errors into the training loop: keep the data and retry on the next tick.
      this.lastFlushAt = now
      this.report(e)
    }
  }

  private tick(): void {
    const now = Date.now()
    if (this.buffer.rows === 0 && this.events.length === 0 && this.consoleLines.pending === 0 && this.writer.pendingRecords === 0) {
      if (now - this.lastWriteAt < this.heartbeatMs) return
      this.events.push({ type: 'heartbeat', at: now })
    }
    this.tryFlush(now)
  }

  private report(e: unknown): void {
    const error = e instanceof TallyError ? e : new TallyError('spool_io', String(e), { cause: e })
    const now = Date.now()
    if (now - (this.lastErrorAt.get(error.code) ?? Number.NEGATIVE_INFINITY) < 30_000) return
    this.lastErrorAt.set(error.code, now)
    this.tell(error)
  }

  private tell(error: TallyError): void {
    try {
      this.onError(error)
    } catch {
      // A throwing handler must not end the training process nor stop the flush or sender.
    }
  }
}

function valueEvent(at: number, step: number, key: string, value: RichValue): ValueEvent {
  const event: ValueEvent = { type: 'value', at, step, key, kind: value.kind, value: value.payload() }
  // Base64 inside the event keeps one record kind; a 5 MB image costs a third more spool bytes.
  if (value instanceof Image) event.data = value.bytes.toString('base64')
  return event
}

/** `finishTimeoutMs`: a number of ms ≥ 0 (Infinity waits for delivery however long it takes). */
function checkTimeout(ms: unknown): number {
  if (ms === undefined) return 30_000
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new TallyError('invalid_argument', `finishTimeoutMs must be a number of milliseconds ≥ 0; got ${String(ms)}`)
  }
  return ms
}

function finishedError(run: Run): TallyError {
  return new TallyError('run_finished', `run ${run.id} (${run.name}) is finished; call init() to start or resume a run`)
}

function warnOnce(error: TallyError): void {
  process.stderr.write(`tally: ${error.message}\n`)
}

/**
 * A plain-looking object that records every change: `obj.key = v` or `obj.update({...})`.
 * Values must be JSON; anything else throws `invalid_config` at the assignment.
 */
function recordingObject(
  initial: { [key: string]: JsonValue },
  what: string,
  record: (values: { [key: string]: JsonValue }) => void,
): Record<string, JsonValue> & { update(values: Record<string, unknown>): void } {
  const data: Record<string, JsonValue> = { ...initial }
  const update = (values: Record<string, unknown>): void => {
    const checked = checkConfig(values, what)
    record(checked)
    Object.assign(data, checked)
  }
  return new Proxy(data, {
    get(target, prop, receiver) {
      if (prop === 'update' && !Object.hasOwn(target, 'update')) return update
      if (prop === 'toJSON') return () => ({ ...target })
      return Reflect.get(target, prop, receiver)
    },
    set(_target, prop, value) {
      if (typeof prop !== 'string') return false
      update({ [prop]: value })
      return true
    },
    deleteProperty() {
      throw new TallyError('invalid_config', `${what} keys cannot be deleted; set the key to null instead`)
    },
  }) as Record<string, JsonValue> & { update(values: Record<string, unknown>): void }
}
