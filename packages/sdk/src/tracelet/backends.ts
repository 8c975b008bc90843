/**
 * Tracelet's backends: where an experiment's metrics, params and artifacts go. `tally` is
 * built in and is a run of the core; others register a factory under a name.
 */
import type { ArtifactEntry } from '../artifacts/manifest.js'
import type { CaptureOptions } from '../capture/index.js'
import { TallyError } from '../errors.js'
import type { JsonValue } from '../json.js'
import { Run } from '../run.js'
import type { ArtifactResult, TraceletArtifact } from './tracelet-artifact.js'

/** What a backend is told when its experiment starts. */
export interface BackendContext {
  id: string
  name: string
  project: string | undefined
  tags: string[]
  capture: CaptureOptions
  /** `startLogging`'s config, backend-specific keys included (`mlflowTrackingUri`, …). */
  settings: { [key: string]: unknown }
  /** Tally's connection options: where the spool lives, remote mode. */
  tally: { dir?: string; serverUrl?: string; apiKey?: string; workspace?: string; quiet?: boolean }
}

/** One logged artifact version as a backend can read it back. */
export interface StoredArtifact {
  name: string
  type: TraceletArtifact['type']
  description: string | null
  metadata: { [key: string]: JsonValue }
  entries: ArtifactEntry[]
  digest: string
  createdAt: Date
  localPaths?: ReadonlyMap<string, string>
}

export interface TraceletBackend {
  readonly name: string
  logMetric(name: string, value: number, iteration: number): void
  logParams(params: { [key: string]: JsonValue }): void
  logArtifact(artifact: TraceletArtifact): Promise<ArtifactResult>
  /** Versions this backend can read back, oldest first; a backend without it reads back nothing. */
  artifacts?(): Promise<StoredArtifact[]>
  stop(): Promise<void>
}

export type BackendFactory = (context: BackendContext) => TraceletBackend

const registry = new Map<string, BackendFactory>()
/** Tracelet's backends that Tally does not have yet: named in the error so the message can say so. */
const PLANNED = ['mlflow', 'tensorboard', 'wandb', 'clearml']

/**
 * Add a backend under `name` (replacing one of that name, except `tally`).
 *
 * @example
 * registerBackend('console', () => ({ name: 'console', logMetric: (n, v, i) => console.log(n, v, i), … }))
 */
export function registerBackend(name: string, factory: BackendFactory): void {
  if (typeof name !== 'string' || !/^[a-z0-9_-]{1,64}$/i.test(name)) {
    throw new TallyError('invalid_argument', `a backend name is 1–64 of A-Z a-z 0-9 _ -; got ${JSON.stringify(name)}`)
  }
  if (name === 'tally') throw new TallyError('invalid_argument', 'the tally backend is built in and cannot be replaced')
  if (typeof factory !== 'function') throw new TallyError('invalid_argument', 'registerBackend() takes a name and a factory function')
  registry.set(name, factory)
}

/** Remove a registered backend; true when there was one. */
export function unregisterBackend(name: string): boolean {
  return registry.delete(name)
}

/** The names `backend` may use. */
export function availableBackends(): string[] {
  return ['tally', ...registry.keys()]
}

/** Throws before anything starts when a name is unknown, so no run is left half made. */
export function checkBackends(names: readonly string[]): void {
  for (const name of names) {
    if (name === 'tally' || registry.has(name)) continue
    const known = availableBackends().join(', ')
    const planned = PLANNED.includes(name.toLowerCase()) ? ` Tally has no ${name} backend yet;` : ''
    throw new TallyError(
      'invalid_argument',
      `unknown Tracelet backend ${JSON.stringify(name)}.${planned} the backends are: ${known} (add one with registerBackend())`,
    )
  }
}

export function createBackend(name: string, context: BackendContext): TraceletBackend {
  checkBackends([name])
  if (name === 'tally') return new TallyBackend(context)
  return (registry.get(name) as BackendFactory)(context)
}

/** The built-in backend: a Tally run with the experiment's id. */
export class TallyBackend implements TraceletBackend {
  readonly name = 'tally'
  readonly run: Run
  /** The versions this run logged, with the local paths they came from: what it reads back. */
  private readonly logged: StoredArtifact[] = []

  constructor(context: BackendContext) {
    this.run = new Run({
      ...context.tally,
      id: context.id,
      name: context.name,
      ...(context.project !== undefined && { project: context.project }),
      ...(context.tags.length > 0 && { tags: context.tags }),
      capture: context.capture,
    })
  }

  logMetric(name: string, value: number, iteration: number): void {
    this.run.log({ [name]: value }, { step: iteration })
  }

  logParams(params: { [key: string]: JsonValue }): void {
    this.run.config.update(params)
  }

  async logArtifact(artifact: TraceletArtifact): Promise<ArtifactResult> {
    const core = artifact.toArtifact()
    const logged = await this.run.logArtifact(core)
    this.logged.push({
      name: logged.name,
      type: logged.type,
      description: core.description,
      metadata: core.metadata,
      entries: logged.entries,
      digest: logged.digest,
      createdAt: artifact.createdAt,
      localPaths: new Map(artifact.files.map((f) => [f.artifactPath, f.localPath])),
    })
    return {
      backend: 'tally',
      uri: `tally://${encodeURIComponent(this.run.project)}/${encodeURIComponent(logged.name)}@sha256:${logged.digest}`,
      version: logged.digest,
      metadata: { runId: this.run.id, newBlobs: logged.newBlobs },
    }
  }

  async artifacts(): Promise<StoredArtifact[]> {
    return [...this.logged]
  }

  stop(): Promise<void> {
    return this.run.finish()
  }
}
