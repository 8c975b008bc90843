/**
 * Tracelet's backends: where an experiment's metrics, params and artifacts go. `tally` is
 * built in and is a run of the core; others register a factory under a name.
 */
import { existsSync } from 'node:fs'
import { blobPath, blobsDir } from '../artifacts/index.js'
import type { ArtifactEntry } from '../artifacts/manifest.js'
import type { CaptureOptions } from '../capture/index.js'
import { isTallyError, TallyError } from '../errors.js'
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
  /** As the backend names versions: `v0`, `v1`, … for `tally`. */
  version: string
  /** `latest` on the newest version, then the aliases set on this one. */
  aliases: string[]
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
    if (name === 'tally' || registry.has(name) || PLANNED.includes(name.toLowerCase())) continue
    const known = [...availableBackends(), ...PLANNED].join(', ')
    throw new TallyError(
      'invalid_argument',
      `unknown Tracelet backend ${JSON.stringify(name)}. the backends are: ${known} (add one with registerBackend())`,
    )
  }
}

/**
 * The backends an experiment starts: a Tracelet backend Tally has none of yet (`mlflow`,
 * `wandb`, …; one registered under that name wins) logs into Tally instead, once, and says so,
 * so the seeds' scripts run with only their import changed.
 */
export function resolveBackends(names: readonly string[], quiet = false): string[] {
  checkBackends(names)
  const out: string[] = []
  for (const name of names) {
    const planned = name !== 'tally' && !registry.has(name)
    if (planned && !quiet) {
      process.stderr.write(`tally: Tally has no ${name} backend yet; this experiment's ${name} data goes to Tally (backend "tally")\n`)
    }
    const resolved = planned ? 'tally' : name
    if (!out.includes(resolved)) out.push(resolved)
  }
  return out
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
  /** Where this experiment's own files came from, by version digest, for read-back. */
  private readonly localPaths = new Map<string, Map<string, string>>()

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

  /**
   * The result's `version` is the store's `vN`. When the server cannot be asked (remote mode,
   * server away), it is the digest instead and `metadata.versionPending` is true: the
   * version is safe in the spool and gets its number when the server takes it.
   */
  async logArtifact(artifact: TraceletArtifact): Promise<ArtifactResult> {
    const logged = await this.run.logArtifact(artifact.toArtifact())
    for (const f of artifact.files) {
      const entry = logged.entries.find((e) => e.path === f.artifactPath)
      if (entry?.kind === 'file') Object.assign(f, { sizeBytes: entry.size, checksum: entry.sha256 })
    }
    this.localPaths.set(logged.digest, new Map(artifact.files.map((f) => [f.artifactPath, f.localPath])))
    const version = await this.versionOf(logged.name, logged.digest)
    const project = encodeURIComponent(this.run.project)
    const name = encodeURIComponent(logged.name)
    return {
      backend: 'tally',
      uri: version === null ? `tally://${project}/${name}@sha256:${logged.digest}` : `tally://${project}/${name}:${version}`,
      version: version ?? logged.digest,
      metadata: {
        runId: this.run.id,
        digest: logged.digest,
        newBlobs: logged.newBlobs,
        ...(version === null && { versionPending: true }),
      },
    }
  }

  /** Every version in the run's project (what `getArtifact` and `listArtifacts` read). */
  async artifacts(): Promise<StoredArtifact[]> {
    const blobs = blobsDir(this.run.dir)
    return (await this.run.artifactVersions()).map((v) => ({
      name: v.name,
      type: v.type as TraceletArtifact['type'],
      description: v.description,
      metadata: v.metadata,
      entries: v.entries,
      digest: v.digest,
      version: `v${v.version}`,
      aliases: v.aliases,
      createdAt: new Date(v.createdAt),
      localPaths: this.localPaths.get(v.digest) ?? storedCopies(blobs, v.entries),
    }))
  }

  stop(): Promise<void> {
    return this.run.finish()
  }

  private async versionOf(name: string, digest: string): Promise<string | null> {
    try {
      const found = (await this.run.artifactVersions()).find((v) => v.name === name && v.digest === digest)
      return found === undefined ? null : `v${found.version}`
    } catch (e) {
      if (isTallyError(e) && e.code === 'server_unreachable') return null
      throw e
    }
  }
}

/** A version's files as this machine's blob store holds them (those it has). */
function storedCopies(blobs: string, entries: readonly ArtifactEntry[]): Map<string, string> {
  const paths = new Map<string, string>()
  for (const e of entries) {
    if (e.kind !== 'file') continue
    const path = blobPath(blobs, e.sha256)
    if (existsSync(path)) paths.set(e.path, path)
  }
  return paths
}
