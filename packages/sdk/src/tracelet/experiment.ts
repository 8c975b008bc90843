/**
 * Tracelet's `Experiment` over Tally's core: an experiment is a run (the `tally` backend),
 * `logMetric` a `run.log` at the iteration, params its config, artifacts core artifacts.
 * Every call goes to each of the experiment's backends in turn.
 */
import { basename } from 'node:path'
import { TallyError } from '../errors.js'
import type { JsonValue } from '../json.js'
import { newRunId } from '../names.js'
import { checkConfig, checkKey, checkStep, checkTags, checkText, checkValue } from '../validate.js'
import { type BackendContext, createBackend, resolveBackends, type TraceletBackend } from './backends.js'
import { captureOptions, type ExperimentConfig, type TraceletSettings } from './settings.js'
import { scalarEntries, summarizeDataset, summarizeModel } from './summaries.js'
import { type ArtifactResult, ArtifactType, TraceletArtifact } from './tracelet-artifact.js'

export interface ExperimentOptions {
  config?: ExperimentConfig
  /** Backend name or names. Default `['tally']`. */
  backend?: string | string[]
  tags?: string[]
  /** Accepted; TypeScript has no automatic instrumentation (see captureHyperparams). */
  automagic?: boolean
  automagicConfig?: Record<string, unknown>
  artifacts?: boolean
  automagicArtifacts?: boolean
  /** Tally project. Default: `TALLY_PROJECT`, else "default". */
  project?: string
  /** `startLogging`'s settings: capture switches and backend-specific keys. */
  settings?: TraceletSettings
  /** Where the spool and store live. Default: `TALLY_DIR`, else `~/.tally`. */
  dir?: string
  /** Remote mode: a Tally server. Default: `TALLY_SERVER_URL`. */
  serverUrl?: string
  apiKey?: string
  workspace?: string
  quiet?: boolean
}

type State = 'created' | 'running' | 'stopped'

export class Experiment {
  readonly name: string
  /** The Tally run id. */
  readonly id: string
  readonly createdAt: Date
  readonly tags: string[]
  private readonly options: ExperimentOptions
  private readonly backendNames: string[]
  private active: TraceletBackend[] = []
  private current = 0
  private state: State = 'created'
  private stopping: Promise<void> | undefined

  /**
   * @example
   * const exp = new Experiment('resnet', { tags: ['baseline'], config: { trackGit: false } })
   * exp.start()
   */
  constructor(name: string, options: ExperimentOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TallyError('invalid_argument', 'new Experiment(name, options): options is an object such as { tags: [] }')
    }
    this.name = checkText('name', name)
    this.tags = options.tags === undefined ? [] : checkTags(options.tags)
    this.backendNames = resolveBackends(
      typeof options.backend === 'string' ? [options.backend] : (options.backend ?? ['tally']),
      options.quiet,
    )
    this.options = options
    this.id = newRunId()
    this.createdAt = new Date()
  }

  /** Start the experiment: each backend begins (the `tally` backend creates the run). */
  start(): this {
    if (this.state !== 'created') return this
    const context: BackendContext = {
      id: this.id,
      name: this.name,
      project: this.options.project,
      tags: this.tags,
      capture: captureOptions(this.options.settings ?? {}, this.options.config),
      settings: { ...this.options.settings },
      tally: {
        ...(this.options.dir !== undefined && { dir: this.options.dir }),
        ...(this.options.serverUrl !== undefined && { serverUrl: this.options.serverUrl }),
        ...(this.options.apiKey !== undefined && { apiKey: this.options.apiKey }),
        ...(this.options.workspace !== undefined && { workspace: this.options.workspace }),
        ...(this.options.quiet !== undefined && { quiet: this.options.quiet }),
      },
    }
    const started: TraceletBackend[] = []
    try {
      for (const name of this.backendNames) started.push(createBackend(name, context))
    } catch (e) {
      for (const b of started) void b.stop().catch(() => {})
      throw e
    }
    this.active = started
    this.state = 'running'
    return this
  }

  /** Stop every backend (the run is finished). Calling it again is harmless. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.state = 'stopped'
      const errors: unknown[] = []
      for (const b of this.active) await b.stop().catch((e: unknown) => errors.push(e))
      if (errors.length > 0) throw errors[0]
    })()
    return this.stopping
  }

  /** Same as `stop()`. */
  end(): Promise<void> {
    return this.stop()
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }

  /** Tracelet's `experiment_id`: the Tally run id, as `id`. */
  get experimentId(): string {
    return this.id
  }

  get iteration(): number {
    return this.current
  }

  get isActive(): boolean {
    return this.state === 'running'
  }

  /** The backends that were started, by name. */
  get backends(): readonly TraceletBackend[] {
    return this.active
  }

  setIteration(iteration: number): void {
    this.current = checkStep(iteration)
  }

  /**
   * Log a number at `iteration` (default: the current iteration, see `setIteration`).
   *
   * @example
   * exp.logMetric('loss', 0.25, epoch)
   */
  logMetric(name: string, value: number, iteration?: number): void {
    const backends = this.open('logMetric')
    const key = checkKey(name)
    const v = checkValue(key, value)
    const step = iteration === undefined || iteration === null ? this.current : checkStep(iteration)
    for (const b of backends) b.logMetric(key, v, step)
  }

  /** Record parameters: keys of the run's config. */
  logParams(params: Record<string, unknown>): void {
    const backends = this.open('logParams')
    const checked = checkConfig(params, 'params')
    for (const b of backends) b.logParams(checked)
  }

  logHyperparameter(name: string, value: unknown): void {
    this.logParams({ [checkKey(name)]: value })
  }

  createArtifact(name: string, artifactType: ArtifactType, description?: string | null): TraceletArtifact {
    return new TraceletArtifact(name, artifactType, description)
  }

  /**
   * Log an artifact to every backend; a path logs that one file (as `logFileArtifact`).
   *
   * @example
   * const results = await exp.logArtifact(exp.createArtifact('resnet', ArtifactType.MODEL).addFile('model.bin'))
   */
  async logArtifact(artifact: TraceletArtifact | string): Promise<Record<string, ArtifactResult>> {
    const backends = this.open('logArtifact')
    const a = typeof artifact === 'string' ? fileArtifact(artifact) : artifact
    if (!(a instanceof TraceletArtifact)) {
      throw new TallyError('invalid_argument', "logArtifact() takes a TraceletArtifact (exp.createArtifact(name, type)) or a file's path")
    }
    const results: Record<string, ArtifactResult> = {}
    for (const b of backends) results[b.name] = await b.logArtifact(a)
    return results
  }

  /** Log one file as a `custom` artifact named after it (Tracelet's legacy method). */
  async logFileArtifact(localPath: string, artifactPath?: string | null): Promise<Record<string, ArtifactResult>> {
    return this.logArtifact(fileArtifact(localPath, artifactPath ?? undefined))
  }

  /**
   * A version of an artifact in the experiment's project, whichever run logged it: `latest`,
   * `v3`, an alias, or a digest (as `ArtifactResult.metadata.digest`). Read back from the
   * backend (default: the first that can); null when there is none.
   *
   * @example
   * const best = await exp.getArtifact('resnet', 'best')
   */
  async getArtifact(name: string, version = 'latest', backend?: string): Promise<TraceletArtifact | null> {
    const own = (await this.stored(backend)).filter((a) => a.name === name)
    const found = /^v\d+$/.test(version)
      ? own.find((a) => a.version === version)
      : (own.findLast((a) => a.aliases.includes(version)) ?? own.findLast((a) => a.digest === version))
    return found === undefined ? null : TraceletArtifact.fromManifest(found)
  }

  /** Every version of every artifact in the experiment's project, oldest first, optionally of one type. */
  async listArtifacts(typeFilter?: ArtifactType | null, backend?: string): Promise<TraceletArtifact[]> {
    const all = await this.stored(backend)
    return all.filter((a) => typeFilter === undefined || typeFilter === null || a.type === typeFilter).map(TraceletArtifact.fromManifest)
  }

  /**
   * Record the scalar entries of `scope` as params and return them. Python's Tracelet reads
   * the caller's local variables; TypeScript cannot, so pass them: `captureHyperparams({ lr, batchSize })`.
   */
  captureHyperparams(scope: Record<string, unknown>): Record<string, JsonValue> {
    if (scope === null || typeof scope !== 'object' || Array.isArray(scope)) {
      throw new TallyError(
        'invalid_argument',
        'captureHyperparams() takes an object of the values to record, e.g. exp.captureHyperparams({ lr, batchSize })',
      )
    }
    const params = scalarEntries(scope)
    this.logParams(params)
    return params
  }

  /** Record a structural summary of `model` as the `model` param and return it. */
  captureModel(model: unknown): Record<string, JsonValue> {
    const summary = summarizeModel(model)
    this.logParams({ model: summary })
    return summary
  }

  /** Record a structural summary of `dataset` as the `dataset` param and return it. */
  captureDataset(dataset: unknown): Record<string, JsonValue> {
    const summary = summarizeDataset(dataset)
    this.logParams({ dataset: summary })
    return summary
  }

  private async stored(backend: string | undefined) {
    const readers = this.active.filter((b) => (backend === undefined || b.name === backend) && b.artifacts !== undefined)
    if (backend !== undefined && readers.length === 0) {
      throw new TallyError(
        'invalid_argument',
        `backend ${JSON.stringify(backend)} is not one of this experiment's that reads artifacts back`,
      )
    }
    const first = readers[0]
    return first?.artifacts ? await first.artifacts() : []
  }

  private open(what: string): TraceletBackend[] {
    if (this.state === 'created')
      throw new TallyError('no_active_run', `${what}(): experiment ${this.name} is not started; call start() first`)
    if (this.state === 'stopped') {
      throw new TallyError('run_finished', `${what}(): experiment ${this.name} is stopped; start a new one with startLogging()`)
    }
    return this.active
  }
}

function fileArtifact(localPath: string, artifactPath?: string): TraceletArtifact {
  if (typeof localPath !== 'string' || localPath === '') throw new TallyError('invalid_argument', "logFileArtifact() takes a file's path")
  const name =
    basename(localPath)
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^[._-]+/, '') || 'file'
  return new TraceletArtifact(name, ArtifactType.CUSTOM).addFile(localPath, artifactPath)
}
