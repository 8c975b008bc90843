/**
 * Tracelet's `TraceletArtifact` builder over the core `Artifact`: files, JSON objects,
 * references and models are recorded here and become one core artifact when logged. Per-item
 * descriptions and reference sizes, which the core manifest has no field for, travel in the
 * artifact's metadata under `tracelet`.
 */
import { basename } from 'node:path'
import { Artifact } from '../artifacts/index.js'
import { type ARTIFACT_TYPES, type ArtifactEntry, checkArtifactName, checkArtifactType } from '../artifacts/manifest.js'
import { TallyError } from '../errors.js'
import type { JsonValue } from '../json.js'
import { checkConfig } from '../validate.js'

/** Tracelet's `ArtifactType`: `ArtifactType.MODEL === 'model'`. */
export const ArtifactType = {
  MODEL: 'model',
  CHECKPOINT: 'checkpoint',
  WEIGHTS: 'weights',
  DATASET: 'dataset',
  SAMPLE: 'sample',
  IMAGE: 'image',
  AUDIO: 'audio',
  VIDEO: 'video',
  VISUALIZATION: 'viz',
  REPORT: 'report',
  CONFIG: 'config',
  CODE: 'code',
  CUSTOM: 'custom',
} as const satisfies Record<string, (typeof ARTIFACT_TYPES)[number]>
export type ArtifactType = (typeof ARTIFACT_TYPES)[number]

export interface ArtifactFile {
  localPath: string
  artifactPath: string
  description: string | null
  /** Known once logged to the tally backend (or read back). */
  sizeBytes: number | null
  /** sha256, known once logged to the tally backend (or read back). */
  checksum: string | null
}

export interface ArtifactObject {
  obj: JsonValue
  name: string
  serializer: 'json'
  description: string | null
}

export interface ArtifactReference {
  uri: string
  sizeBytes: number | null
  description: string | null
}

/** What `logArtifact` returns per backend. */
export interface ArtifactResult {
  backend: string
  uri: string
  /** The store's `v0`, `v1`, …; the content digest (sha256) while a server cannot be asked (`metadata.versionPending`). */
  version: string
  metadata: { [key: string]: JsonValue }
}

interface Notes {
  descriptions: { [path: string]: string }
  referenceSizes: { [path: string]: number }
}

/**
 * @example
 * const model = new TraceletArtifact('resnet', ArtifactType.MODEL, 'after epoch 10')
 *   .addFile('out/model.bin', 'weights/model.bin')
 *   .addObject({ lr: 0.01 }, 'config.json')
 *   .addReference('s3://bucket/data.tar', 1_000_000)
 * await experiment.logArtifact(model)
 */
export class TraceletArtifact {
  readonly name: string
  readonly type: ArtifactType
  readonly description: string | null
  readonly createdAt: Date
  readonly files: ArtifactFile[] = []
  readonly objects: ArtifactObject[] = []
  readonly references: ArtifactReference[] = []
  readonly metadata: { [key: string]: JsonValue } = {}
  /** `v3` once read back from a backend (`getArtifact`, `listArtifacts`); null on a new builder. */
  version: string | null = null
  /** Aliases of a read-back version, `latest` included when it is the newest. */
  aliases: string[] = []

  constructor(name: string, artifactType: ArtifactType, description?: string | null, createdAt: Date = new Date()) {
    this.name = checkArtifactName(name)
    this.type = checkArtifactType(artifactType)
    if (description !== undefined && description !== null && typeof description !== 'string') {
      throw new TallyError('invalid_argument', 'an artifact description is a string')
    }
    this.description = description ?? null
    this.createdAt = createdAt
  }

  /** Bytes of the files and sized references (files count once logged or read back). */
  get sizeBytes(): number {
    let size = 0
    for (const f of this.files) size += f.sizeBytes ?? 0
    for (const r of this.references) size += r.sizeBytes ?? 0
    return size
  }

  addFile(localPath: string, artifactPath?: string | null, description?: string | null): this {
    if (typeof localPath !== 'string' || localPath === '')
      throw new TallyError('invalid_argument', 'addFile() takes the path of a local file')
    const path = artifactPath ?? basename(localPath)
    this.files.push({ localPath, artifactPath: path, description: description ?? null, sizeBytes: null, checksum: null })
    return this
  }

  /** Only the `json` serializer exists in TypeScript; `pickle` is Python's and `yaml` needs a dependency Tally does not take. */
  addObject(obj: unknown, name: string, serializer = 'json', description?: string | null): this {
    if (serializer !== 'json') {
      throw new TallyError('invalid_argument', `addObject(): serializer ${JSON.stringify(serializer)} is not available; use 'json'`)
    }
    if (typeof name !== 'string' || name === '') throw new TallyError('invalid_argument', 'addObject() takes the object, then its name')
    const value = checkConfig({ value: obj }, 'artifact object').value as JsonValue
    this.objects.push({ obj: value, name, serializer: 'json', description: description ?? null })
    return this
  }

  addReference(uri: string, sizeBytes?: number | null, description?: string | null): this {
    if (typeof uri !== 'string' || uri === '') throw new TallyError('invalid_argument', 'addReference() takes a URI string')
    if (sizeBytes !== undefined && sizeBytes !== null && !(Number.isInteger(sizeBytes) && sizeBytes >= 0)) {
      throw new TallyError('invalid_argument', `addReference(): sizeBytes is a whole number ≥ 0; got ${String(sizeBytes)}`)
    }
    this.references.push({ uri, sizeBytes: sizeBytes ?? null, description: description ?? null })
    return this
  }

  /**
   * A model: a path is added as a file; a plain object (weights as arrays, a config) as
   * `model.json`. `framework` and `inputExample` go into the metadata.
   */
  addModel(model: unknown, framework?: string | null, inputExample?: unknown, description?: string | null): this {
    if (typeof model === 'string') this.addFile(model, undefined, description)
    else this.addObject(model, 'model.json', 'json', description)
    if (framework !== undefined && framework !== null) this.metadata.framework = String(framework)
    if (inputExample !== undefined) this.metadata.inputExample = checkConfig({ v: inputExample }, 'inputExample').v as JsonValue
    return this
  }

  toDict(): { [key: string]: JsonValue } {
    return {
      name: this.name,
      type: this.type,
      description: this.description,
      sizeBytes: this.sizeBytes,
      version: this.version,
      aliases: [...this.aliases],
      createdAt: this.createdAt.toISOString(),
      files: this.files.map((f) => ({ ...f })),
      objects: this.objects.map((o) => ({ ...o })),
      references: this.references.map((r) => ({ ...r })),
      metadata: { ...this.metadata },
    }
  }

  /** The core artifact this logs as. */
  toArtifact(): Artifact {
    if (this.metadata.tracelet !== undefined) {
      throw new TallyError(
        'invalid_argument',
        `artifact ${this.name}: metadata key "tracelet" is where Tally keeps per-entry descriptions; name yours otherwise`,
      )
    }
    const notes: Notes = { descriptions: {}, referenceSizes: {} }
    const artifact = new Artifact(this.name, this.type, {
      ...(this.description !== null && { description: this.description }),
      metadata: this.metadata,
    })
    for (const f of this.files) {
      artifact.addFile(f.localPath, { name: f.artifactPath })
      if (f.description !== null) notes.descriptions[f.artifactPath] = f.description
    }
    for (const o of this.objects) {
      artifact.addObject(o.name, o.obj)
      if (o.description !== null) notes.descriptions[o.name] = o.description
    }
    const taken = new Set([...this.files.map((f) => f.artifactPath), ...this.objects.map((o) => o.name)])
    for (const r of this.references) {
      // Two URIs ending alike (s3://a/data.tar, s3://b/data.tar) each get a path of their own.
      const path = uniquePath(referenceName(r.uri), taken)
      taken.add(path)
      artifact.addReference(r.uri, { name: path })
      if (r.description !== null) notes.descriptions[path] = r.description
      if (r.sizeBytes !== null) notes.referenceSizes[path] = r.sizeBytes
    }
    if (Object.keys(notes.descriptions).length > 0 || Object.keys(notes.referenceSizes).length > 0) {
      artifact.metadata.tracelet = { descriptions: notes.descriptions, referenceSizes: notes.referenceSizes }
    }
    return artifact
  }

  /** A builder again, from a logged version's manifest (as kept by the run or served by the API). */
  static fromManifest(m: {
    name: string
    type: ArtifactType
    description: string | null
    metadata: { [key: string]: JsonValue }
    entries: readonly ArtifactEntry[]
    createdAt: Date
    version?: string
    aliases?: readonly string[]
    localPaths?: ReadonlyMap<string, string>
  }): TraceletArtifact {
    const { tracelet, ...metadata } = m.metadata
    const notes = (tracelet ?? {}) as Partial<Notes>
    const a = new TraceletArtifact(m.name, m.type, m.description, m.createdAt)
    Object.assign(a.metadata, metadata)
    a.version = m.version ?? null
    a.aliases = [...(m.aliases ?? [])]
    const describe = (path: string): string | null => notes.descriptions?.[path] ?? null
    for (const e of m.entries) {
      if (e.kind === 'file') {
        a.files.push({
          localPath: m.localPaths?.get(e.path) ?? '',
          artifactPath: e.path,
          description: describe(e.path),
          sizeBytes: e.size,
          checksum: e.sha256,
        })
      } else if (e.kind === 'object') a.objects.push({ obj: e.value, name: e.path, serializer: 'json', description: describe(e.path) })
      else a.references.push({ uri: e.uri, sizeBytes: notes.referenceSizes?.[e.path] ?? null, description: describe(e.path) })
    }
    return a
  }
}

function uniquePath(path: string, taken: ReadonlySet<string>): string {
  if (!taken.has(path)) return path
  let n = 1
  while (taken.has(`${path}~${n}`)) n++
  return `${path}~${n}`
}

/** The entry path of a reference: the URI's last segment, as the core names it. */
function referenceName(uri: string): string {
  const last =
    uri
      .replace(/[/?#]+$/, '')
      .split(/[/?#]/)
      .pop() || 'reference'
  return last.replace(/[\\:]/g, '_').split('\u0000').join('_')
}
