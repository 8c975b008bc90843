/**
 * The `Artifact` builder: what a run logs with `run.logArtifact`. Adding only records what
 * to add and checks names and paths; files are read when the artifact is logged.
 */
import { readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { TallyError } from '../errors.js'
import type { JsonValue } from '../json.js'
import type { ArtifactEvent } from '../spool/format.js'
import { checkConfig } from '../validate.js'
import { storeFileBlob } from './blobs.js'
import {
  type ArtifactEntry,
  type ArtifactType,
  checkAlias,
  checkArtifactName,
  checkArtifactType,
  checkEntries,
  checkEntryPath,
  manifestDigest,
} from './manifest.js'

export interface ArtifactOptions {
  description?: string
  /** A plain JSON object kept with the version. */
  metadata?: Record<string, unknown>
  /** Aliases for the logged version (`best`, `prod`); `latest` moves by itself. */
  aliases?: string[]
}

/** What `run.logArtifact` resolves to. */
export interface LoggedArtifact {
  name: string
  type: ArtifactType
  /** sha256 of the version's content: the store gives the same digest the same version. */
  digest: string
  /** Files that were new to the local blob folder (the rest were stored once already). */
  newBlobs: number
  entries: ArtifactEntry[]
}

type Pending =
  | { kind: 'file'; source: string; path: string }
  | { kind: 'dir'; source: string; prefix: string }
  | { kind: 'object'; path: string; value: JsonValue }
  | { kind: 'reference'; path: string; uri: string }

/**
 * A named, typed, versioned artifact made of files, JSON objects and external references.
 *
 * @example
 * const model = new Artifact('resnet', 'model', { description: 'after epoch 10' })
 *   .addFile('out/model.bin')
 *   .addObject('metrics.json', { acc: 0.97 })
 *   .addReference('s3://bucket/data.tar')
 * model.aliases.push('best')
 * const logged = await run.logArtifact(model)
 */
export class Artifact {
  readonly name: string
  readonly type: ArtifactType
  readonly description: string | null
  readonly metadata: { [key: string]: JsonValue }
  /** Aliases for the version this becomes; push to add. */
  readonly aliases: string[]
  private readonly pending: Pending[] = []

  constructor(name: string, type: ArtifactType, options: ArtifactOptions = {}) {
    this.name = checkArtifactName(name)
    this.type = checkArtifactType(type)
    if (options.description !== undefined && typeof options.description !== 'string') {
      throw new TallyError('invalid_argument', 'an artifact description is a string')
    }
    this.description = options.description ?? null
    this.metadata = options.metadata === undefined ? {} : checkConfig(options.metadata, 'artifact metadata')
    this.aliases = [...(options.aliases ?? [])]
  }

  /** A local file, stored under `name` (default: its base name). */
  addFile(path: string, options: { name?: string } = {}): this {
    if (typeof path !== 'string' || path === '') throw new TallyError('invalid_argument', 'addFile() takes the path of a local file')
    this.pending.push({ kind: 'file', source: path, path: checkEntryPath(options.name ?? basename(path)) })
    return this
  }

  /** Every file under a local folder, at their relative paths (under `name` when given). */
  addDir(path: string, options: { name?: string } = {}): this {
    if (typeof path !== 'string' || path === '') throw new TallyError('invalid_argument', 'addDir() takes the path of a local folder')
    this.pending.push({ kind: 'dir', source: path, prefix: options.name === undefined ? '' : `${checkEntryPath(options.name)}/` })
    return this
  }

  /** A JSON value, kept in the manifest and downloaded as a file of its JSON. */
  addObject(name: string, value: unknown): this {
    const checked = checkConfig({ value }, 'artifact object').value as JsonValue
    this.pending.push({ kind: 'object', path: checkEntryPath(name), value: checked })
    return this
  }

  /** An external URL or URI (`s3://…`, `https://…`), recorded and never fetched. */
  addReference(uri: string, options: { name?: string } = {}): this {
    if (typeof uri !== 'string' || uri === '') throw new TallyError('invalid_argument', 'addReference() takes a URI string')
    const name =
      options.name ??
      (uri
        .replace(/[/?#]+$/, '')
        .split(/[/?#]/)
        .pop() ||
        'reference')
    this.pending.push({ kind: 'reference', path: checkEntryPath(name.replace(/[\\:]/g, '_').split('\u0000').join('_')), uri })
    return this
  }

  /**
   * Hash and copy the files into the blob folder (once per content) and build the event the
   * run writes into its spool.
   */
  async build(blobs: string, at: number): Promise<{ event: ArtifactEvent; newBlobs: number }> {
    const entries: ArtifactEntry[] = []
    let newBlobs = 0
    const addFile = async (source: string, path: string): Promise<void> => {
      const blob = await storeFileBlob(blobs, source).catch((e: unknown) => {
        throw new TallyError('invalid_argument', `artifact ${this.name}: cannot read ${source} (${(e as Error).message})`, { cause: e })
      })
      if (blob.added) newBlobs++
      entries.push({ kind: 'file', path, size: blob.size, sha256: blob.sha256 })
    }
    for (const p of this.pending) {
      if (p.kind === 'file') await addFile(p.source, p.path)
      else if (p.kind === 'dir') {
        for (const rel of await listFiles(p.source)) await addFile(join(p.source, ...rel.split('/')), checkEntryPath(p.prefix + rel))
      } else if (p.kind === 'object') entries.push({ kind: 'object', path: p.path, value: p.value })
      else entries.push({ kind: 'reference', path: p.path, uri: p.uri })
    }
    const sorted = checkEntries(entries)
    const aliases = [...new Set(this.aliases.filter((a) => a !== 'latest').map(checkAlias))]
    const event: ArtifactEvent = {
      type: 'artifact',
      at,
      name: this.name,
      artifactType: this.type,
      description: this.description,
      metadata: this.metadata,
      aliases,
      digest: manifestDigest(this.type, sorted),
      entries: sorted,
    }
    return { event, newBlobs }
  }
}

/** Files under `dir`, as sorted `/`-separated relative paths; symbolic links are followed. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (abs: string, rel: string): Promise<void> => {
    const names = (await readdir(abs)).sort()
    for (const name of names) {
      const child = join(abs, name)
      const info = await stat(child)
      const r = rel === '' ? name : `${rel}/${name}`
      if (info.isDirectory()) await walk(child, r)
      else if (info.isFile()) out.push(r)
    }
  }
  await walk(dir, '').catch((e: unknown) => {
    if (e instanceof TallyError) throw e
    throw new TallyError('invalid_argument', `addDir(): cannot read folder ${dir} (${(e as Error).message})`, { cause: e })
  })
  return out
}
