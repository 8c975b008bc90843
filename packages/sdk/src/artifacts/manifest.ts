/**
 * Artifacts as they travel and are stored: the manifest of a version (files by sha256, JSON
 * objects, external references), the checks that keep names and entry paths inside a store,
 * and the digest that makes a version idempotent. Shared by the SDK and the server.
 */
import { createHash } from 'node:crypto'
import { TallyError } from '../errors.js'
import type { JsonValue } from '../json.js'

/** Tracelet's `ArtifactType` values. */
export const ARTIFACT_TYPES = [
  'model',
  'checkpoint',
  'weights',
  'dataset',
  'sample',
  'image',
  'audio',
  'video',
  'viz',
  'report',
  'config',
  'code',
  'custom',
] as const

export type ArtifactType = (typeof ARTIFACT_TYPES)[number]

/** A file's bytes live in the blob store under their sha256 (hex). */
export interface ArtifactFileEntry {
  kind: 'file'
  path: string
  size: number
  sha256: string
}

/** A JSON value kept in the manifest itself; downloaded as a `.json` file's bytes. */
export interface ArtifactObjectEntry {
  kind: 'object'
  path: string
  value: JsonValue
}

/** An external URL or URI, recorded and never fetched. */
export interface ArtifactReferenceEntry {
  kind: 'reference'
  path: string
  uri: string
}

export type ArtifactEntry = ArtifactFileEntry | ArtifactObjectEntry | ArtifactReferenceEntry

export const ARTIFACT_LIMITS = {
  name: 128,
  alias: 64,
  path: 1024,
  entries: 100_000,
  /** Bytes of one object entry as JSON. */
  object: 1024 * 1024,
  uri: 4096,
} as const

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const SHA256_PATTERN = /^[0-9a-f]{64}$/

/** The blob store's key: 64 lowercase hex digits. */
export function isSha256(s: unknown): s is string {
  return typeof s === 'string' && SHA256_PATTERN.test(s)
}

/**
 * An artifact name: 1–128 of `[A-Za-z0-9._-]`, starting with a letter or digit, so it is
 * one path segment everywhere (no `/`, `..`, backslash or NUL can reach a file system).
 */
export function checkArtifactName(name: unknown): string {
  if (typeof name !== 'string' || name.length > ARTIFACT_LIMITS.name || !NAME_PATTERN.test(name)) {
    throw new TallyError(
      'invalid_path',
      `artifact name ${JSON.stringify(name)} is not allowed: use 1–${ARTIFACT_LIMITS.name} of A-Z a-z 0-9 . _ -, starting with a letter or digit`,
    )
  }
  return name
}

/** `v0`, `v1`, …: a version, never an alias. */
export const VERSION_PATTERN = /^v(0|[1-9][0-9]{0,15})$/

/**
 * An alias (`best`, `prod`): like a name, at most 64 characters, and not of the form `v3`.
 * `latest` is kept by the store itself and may not be set by hand.
 */
export function checkAlias(alias: unknown): string {
  if (typeof alias !== 'string' || alias.length > ARTIFACT_LIMITS.alias || !NAME_PATTERN.test(alias) || VERSION_PATTERN.test(alias)) {
    throw new TallyError(
      'invalid_argument',
      `alias ${JSON.stringify(alias)} is not allowed: use 1–${ARTIFACT_LIMITS.alias} of A-Z a-z 0-9 . _ -, not of the form v3`,
    )
  }
  return alias
}

/**
 * A path inside an artifact: relative, `/`-separated, with no empty, `.` or `..` segment, no
 * backslash, NUL or drive letter, so that no reader writing it under a folder leaves that folder.
 */
export function checkEntryPath(path: unknown): string {
  const bad = (why: string): TallyError =>
    new TallyError(
      'invalid_path',
      `artifact path ${JSON.stringify(path)} is not allowed: ${why}; use a relative path such as "weights/model.bin"`,
    )
  if (typeof path !== 'string' || path.length === 0) throw bad('it is empty')
  if (path.length > ARTIFACT_LIMITS.path) throw bad(`it is longer than ${ARTIFACT_LIMITS.path} characters`)
  if (path.includes('\u0000')) throw bad('it holds NUL')
  if (path.includes('\\')) throw bad('it holds a backslash')
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw bad('it is absolute')
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw bad('it has an empty, "." or ".." segment')
  }
  return path
}

/**
 * Check a manifest's entries as a store receives them (from any client): paths, shapes and
 * no path twice. Returns them sorted by path, the order the digest and every reader use.
 */
export function checkEntries(entries: unknown): ArtifactEntry[] {
  if (!Array.isArray(entries)) throw new TallyError('invalid_argument', 'an artifact carries an array of entries')
  if (entries.length > ARTIFACT_LIMITS.entries) {
    throw new TallyError('invalid_argument', `an artifact holds at most ${ARTIFACT_LIMITS.entries} entries; split it into several`)
  }
  const seen = new Set<string>()
  const out: ArtifactEntry[] = []
  for (const e of entries as ArtifactEntry[]) {
    if (e === null || typeof e !== 'object') throw new TallyError('invalid_argument', 'an artifact entry is an object')
    const path = checkEntryPath(e.path)
    if (seen.has(path))
      throw new TallyError('invalid_path', `artifact path ${JSON.stringify(path)} appears twice; give each entry its own name`)
    seen.add(path)
    switch (e.kind) {
      case 'file':
        if (!isSha256(e.sha256)) throw new TallyError('invalid_argument', `file ${path}: sha256 must be 64 lowercase hex digits`)
        if (!(Number.isSafeInteger(e.size) && e.size >= 0))
          throw new TallyError('invalid_argument', `file ${path}: size must be an integer ≥ 0`)
        out.push({ kind: 'file', path, size: e.size, sha256: e.sha256 })
        break
      case 'object':
        if (JSON.stringify(e.value ?? null).length > ARTIFACT_LIMITS.object) {
          throw new TallyError(
            'invalid_argument',
            `object ${path} is over ${ARTIFACT_LIMITS.object} bytes as JSON; add it as a file instead`,
          )
        }
        out.push({ kind: 'object', path, value: e.value ?? null })
        break
      case 'reference':
        if (typeof e.uri !== 'string' || e.uri.length === 0 || e.uri.length > ARTIFACT_LIMITS.uri || e.uri.includes('\u0000')) {
          throw new TallyError('invalid_argument', `reference ${path}: uri must be a string of 1–${ARTIFACT_LIMITS.uri} characters`)
        }
        out.push({ kind: 'reference', path, uri: e.uri })
        break
      default:
        throw new TallyError('invalid_argument', `artifact entry ${path}: kind must be file, object or reference`)
    }
  }
  // No path may be another's folder too (`a` and `a/b`): written out, one would stand where
  // the other needs a folder.
  for (const p of seen) {
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
      if (seen.has(p.slice(0, i))) {
        throw new TallyError(
          'invalid_path',
          `artifact path ${JSON.stringify(p.slice(0, i))} is a file and also the folder of ${JSON.stringify(p)}; rename one`,
        )
      }
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/**
 * The digest of a version's content: sha256 of its type and entries in path order. The same
 * content logged again (a replay, a rerun) has the same digest and so the same version.
 */
export function manifestDigest(type: string, entries: readonly ArtifactEntry[]): string {
  return createHash('sha256').update(JSON.stringify({ type, entries })).digest('hex')
}

export function checkArtifactType(type: unknown): ArtifactType {
  if (!(ARTIFACT_TYPES as readonly unknown[]).includes(type)) {
    throw new TallyError('invalid_argument', `artifact type ${JSON.stringify(type)} is unknown; use one of ${ARTIFACT_TYPES.join(', ')}`)
  }
  return type as ArtifactType
}

/** Where a blob lives under a blob folder: `<aa>/<sha256>`, split so no folder grows huge. */
export function blobRelativePath(sha256: string): string {
  return `${sha256.slice(0, 2)}/${sha256}`
}
