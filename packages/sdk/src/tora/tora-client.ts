/**
 * Tora's `Tora` class over Tally's core: an experiment is a run, hyperparams its config,
 * results its results, metadata the points' metadata. `serverUrl` selects remote mode; without
 * it (and without `TALLY_SERVER_URL`) the experiment is a local run under `~/.tally`.
 *
 * Tora keeps up to `maxBufferLen` values and sends them when the buffer is full. The facade
 * keeps the same small buffer so `bufferSize` and flush-on-full behave as under Tora; when
 * it empties, the values go to the run and the run's spool is written at once. At the
 * process's end the buffer is handed to the run before the run is ended, so nothing is lost.
 */
import { TallyError } from '../errors.js'
import type { JsonValue } from '../json.js'
import { beforeEnd } from '../lifecycle.js'
import { type InitOptions, Run } from '../run.js'
import {
  checkExperimentName,
  checkHyperparams,
  checkMaxBufferLen,
  checkMetricName,
  checkMetricValue,
  checkToraMetadata,
  checkToraStep,
  checkToraTags,
  type Hyperparams,
} from './tora-rules.js'

/** Where Tora sends: a Tally team server (`tally serve`) and a writer key of its workspace. */
export interface ToraConnection {
  /** Default: `TORA_API_KEY`, else `TALLY_API_KEY`. */
  apiKey?: string
  /** A Tally server (`tally serve`). Default: `TALLY_SERVER_URL`; without either, the experiment is local. */
  serverUrl?: string
}

/** Tally's own options, beside Tora's. */
export interface TallyExtras {
  /** Tally project of the experiment. Default: `TALLY_PROJECT`, else "default". */
  project?: string
  /** Where the spool and store live. Default: `TALLY_DIR`, else `~/.tally`. */
  dir?: string
  /** Do not print the experiment's address at creation. */
  quiet?: boolean
  /** Told when the spool cannot be written or the server cannot be reached (the data is kept). */
  onError?: (error: TallyError) => void
}

export interface CreateExperimentOptions extends ToraConnection, TallyExtras {
  /** A workspace of the server (Tally's workspace name); remote mode only. */
  workspaceId?: string
  description?: string
  hyperparams?: Hyperparams
  tags?: string[]
  /** Default 25. */
  maxBufferLen?: number
}

export interface LoadExperimentOptions extends ToraConnection, TallyExtras {
  /** Default 25. */
  maxBufferLen?: number
}

type Entry =
  | { kind: 'metrics'; metrics: Record<string, number>; step: number | undefined; metadata: { [key: string]: JsonValue } | undefined }
  | { kind: 'result'; name: string; value: number }

const LOCAL_UI_PORT = 4747

export class Tora {
  private readonly run: Run
  private readonly maxLen: number
  private readonly entries: Entry[] = []
  private size = 0
  private closing: Promise<void> | undefined
  private readonly unregister: () => void
  private readonly localUrl: string

  /**
   * Create an experiment (a new Tally run) and return its client.
   *
   * @example
   * const client = Tora.createExperiment('resnet', { hyperparams: { lr: 0.01 }, tags: ['baseline'] })
   * client.log('loss', 0.5, 0)
   * await client.shutdown()
   */
  static createExperiment(name: string, options: CreateExperimentOptions = {}): Tora {
    const maxBufferLen = checkMaxBufferLen(options?.maxBufferLen ?? 25)
    const init: InitOptions = {
      ...connect(options, 'createExperiment'),
      name: checkExperimentName(name),
      ...(options.workspaceId !== undefined && { workspace: options.workspaceId }),
      ...(options.description !== undefined && options.description !== null && { description: options.description }),
      ...(options.hyperparams !== undefined && options.hyperparams !== null && { config: checkHyperparams(options.hyperparams) }),
      ...(options.tags !== undefined && options.tags !== null && { tags: checkToraTags(options.tags) }),
    }
    return new Tora(new Run(init), maxBufferLen, options.quiet)
  }

  /**
   * Continue an existing experiment (a Tally run, local or on the server); new steps follow its last.
   *
   * @example
   * const client = Tora.loadExperiment('k3v9x0a1b2c3')
   * client.result('test_acc', 0.97)
   * await client.shutdown()
   */
  static loadExperiment(experimentId: string, options: LoadExperimentOptions = {}): Tora {
    const maxBufferLen = checkMaxBufferLen(options?.maxBufferLen ?? 25)
    const run = new Run({ ...connect(options, 'loadExperiment'), id: experimentId, resume: 'must' })
    return new Tora(run, maxBufferLen, options.quiet)
  }

  private constructor(run: Run, maxBufferLen: number, quiet: boolean | undefined) {
    this.run = run
    this.maxLen = maxBufferLen
    this.localUrl = `http://127.0.0.1:${process.env.TALLY_PORT || LOCAL_UI_PORT}/default/${encodeURIComponent(run.project)}/runs/${encodeURIComponent(run.id)}`
    // Tora prints the address at creation; the core already does in remote mode.
    if (run.url === undefined && !quiet)
      process.stderr.write(`tally: experiment ${run.id} logged under ${run.dir}; \`tally ui\` shows it at ${this.localUrl}\n`)
    this.unregister = beforeEnd(() => this.handOver())
  }

  /**
   * Log one metric; it is buffered and sent once `maxBufferLen` values are waiting. Without a
   * step, the step is the previous log's + 1. `metadata`: a JSON object of at most 10 KB.
   *
   * @example
   * client.log('val/acc', 0.91, 10, { split: 'val' })
   */
  log(name: string, value: number, step?: number, metadata?: Record<string, unknown>): void {
    this.open('log')
    const key = checkMetricName(name)
    const checked = checkMetricValue(key, value)
    this.push(
      { kind: 'metrics', metrics: Object.fromEntries([[key, checked]]), step: checkToraStep(step), metadata: checkToraMetadata(metadata) },
      1,
    )
  }

  /**
   * Record a result (a final value such as test accuracy); buffered like `log`.
   *
   * @example
   * client.result('test_acc', 0.97)
   */
  result(name: string, value: number): void {
    this.open('result')
    const key = checkMetricName(name)
    this.push({ kind: 'result', name: key, value: checkMetricValue(key, value) }, 1)
  }

  /**
   * Log several metrics at one step; each counts toward the buffer.
   *
   * @example
   * client.logMetrics({ loss: 0.2, acc: 0.95 }, 3)
   */
  logMetrics(metrics: Record<string, number>, step?: number): void {
    this.open('logMetrics')
    if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
      throw new TallyError(
        'invalid_argument',
        'logMetrics() takes an object of metric names to numbers, e.g. client.logMetrics({ loss: 0.1 }, 3)',
      )
    }
    const entries = Object.entries(metrics).map(([name, value]) => [checkMetricName(name), checkMetricValue(name, value)] as const)
    if (entries.length === 0) return
    this.push({ kind: 'metrics', metrics: Object.fromEntries(entries), step: checkToraStep(step), metadata: undefined }, entries.length)
  }

  /**
   * Send everything buffered now: it is in the spool when this resolves (and on its way to
   * the server in remote mode). Harmless after `shutdown`.
   *
   * @example
   * await client.flush()
   */
  async flush(): Promise<void> {
    if (this.isClosed) return
    this.handOver()
    await this.run.flush()
  }

  /**
   * Flush, then finish the run; in remote mode, wait (up to 30 s) for the server to have it
   * all. Calling it again is harmless. `await using client = Tora.createExperiment(…)` calls it.
   *
   * @example
   * await client.shutdown()
   */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      this.handOver()
      this.unregister()
      await this.run.finish()
    })()
    return this.closing
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown()
  }

  /** The experiment's id: the Tally run id. */
  get experimentId(): string {
    return this.run.id
  }

  /** The experiment's page: on the server in remote mode; locally, where `tally ui` shows it. */
  get url(): string {
    return this.run.url ?? this.localUrl
  }

  get maxBufferLen(): number {
    return this.maxLen
  }

  /** Values logged and not yet handed to the run. */
  get bufferSize(): number {
    return this.size
  }

  get isClosed(): boolean {
    return this.closing !== undefined || this.run.finished
  }

  private open(what: string): void {
    if (this.isClosed) {
      throw new TallyError(
        'run_finished',
        `${what}(): experiment ${this.run.id} is shut down; call Tora.loadExperiment('${this.run.id}') to log more`,
      )
    }
  }

  private push(entry: Entry, count: number): void {
    this.entries.push(entry)
    this.size += count
    if (this.size < this.maxLen) return
    this.handOver()
    try {
      this.run.flushSync()
    } catch {
      // The run keeps what it could not write and retries on its timer, telling onError;
      // the training loop must not see an I/O error here.
    }
  }

  /** Give the buffered values to the run, in the order they were logged. */
  private handOver(): void {
    if (this.run.finished) return
    for (const entry of this.entries) {
      if (entry.kind === 'result') this.run.result(entry.name, entry.value)
      else
        this.run.log(entry.metrics, {
          ...(entry.step !== undefined && { step: entry.step }),
          ...(entry.metadata !== undefined && { metadata: entry.metadata }),
        })
    }
    this.entries.length = 0
    this.size = 0
  }
}

/** Tora's connection options as the core's, `TORA_API_KEY` included. */
function connect(options: ToraConnection & TallyExtras & { workspaceId?: string }, what: string): InitOptions {
  if (options === null || typeof options !== 'object') {
    throw new TallyError('invalid_argument', `Tora.${what}() takes an options object as its second argument`)
  }
  const serverUrl = options.serverUrl ?? (process.env.TALLY_SERVER_URL || undefined)
  const apiKey = options.apiKey ?? (process.env.TORA_API_KEY || process.env.TALLY_API_KEY || undefined)
  if (serverUrl === undefined && options.workspaceId !== undefined) {
    throw new TallyError(
      'invalid_argument',
      `workspaceId ${JSON.stringify(options.workspaceId)} names a workspace of a team server: pass serverUrl (or set TALLY_SERVER_URL), or drop workspaceId to log locally`,
    )
  }
  if (serverUrl !== undefined && apiKey === undefined) {
    throw new TallyError(
      'invalid_argument',
      `logging to ${serverUrl} needs an API key with the writer role: pass apiKey or set TORA_API_KEY (create one with: tally keys create --workspace W --role writer)`,
    )
  }
  return {
    ...(serverUrl !== undefined && { serverUrl }),
    ...(apiKey !== undefined && { apiKey }),
    ...(options.project !== undefined && { project: options.project }),
    ...(options.dir !== undefined && { dir: options.dir }),
    ...(options.quiet !== undefined && { quiet: options.quiet }),
    ...(options.onError !== undefined && { onError: options.onError }),
  }
}
