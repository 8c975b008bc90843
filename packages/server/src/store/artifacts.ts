/**
 * Artifacts in the store, the same for every backend: what a version reads as, how a
 * `name:ref` is resolved, and the row shape both schemas share. Versions are numbered per
 * (project, name) from 0; a manifest whose digest the name already has is that version again
 * (an idempotent replay). `latest` is not stored: it is always the highest version. Artifacts
 * outlive the run that logged them (a deleted run's models stay downloadable); `runId` then
 * names a run that is gone.
 */
import { TallyError } from '@tally/sdk'
import {
  type ArtifactEntry,
  type ArtifactEvent,
  checkAlias,
  checkArtifactName,
  checkArtifactType,
  checkConfig,
  checkEntries,
  type JsonValue,
  manifestDigest,
  parseTagged,
  stringifyTagged,
  VERSION_PATTERN,
} from '@tally/sdk/spool'

export interface ArtifactVersionInfo {
  workspace: string
  project: string
  name: string
  /** 0, 1, …; shown as `v0`, `v1`. */
  version: number
  type: string
  digest: string
  description: string | null
  metadata: { [key: string]: JsonValue }
  /** Aliases pointing at this version, `latest` included when it is the newest. */
  aliases: string[]
  entries: ArtifactEntry[]
  /** Bytes of its files. */
  size: number
  /** The run that logged it first (it may have been deleted since). */
  runId: string
  createdAt: number
}

export interface ArtifactNameInfo {
  name: string
  type: string
  /** Highest version. */
  latest: number
  versions: number
  updatedAt: number
}

/** A version as both schemas store it. */
export interface ArtifactRow {
  name: string
  version: number
  type: string
  digest: string
  description: string | null
  metadata: string
  manifest: string
  size: number
  run_id: string
  created_at: number
}

export interface AliasRow {
  alias: string
  version: number
}

/** A version as the backend resolved it: a number, `latest`, or an alias to look up. */
export type ArtifactRef = { version: number } | { latest: true } | { alias: string }

/** `v3`, `latest` or an alias; anything else `invalid_argument`. */
export function parseArtifactRef(ref: string): ArtifactRef {
  if (ref === 'latest') return { latest: true }
  if (VERSION_PATTERN.test(ref)) return { version: Number(ref.slice(1)) }
  try {
    return { alias: checkAlias(ref) }
  } catch {
    throw new TallyError('invalid_argument', `version ${JSON.stringify(ref)} is neither v0, v1, … nor latest nor an alias`)
  }
}

/** An artifact event as a store takes it: checked like the SDK checks it, from any client. */
export function checkArtifactEvent(e: ArtifactEvent): ArtifactEvent {
  checkArtifactName(e.name)
  checkArtifactType(e.artifactType)
  if (e.description != null && typeof e.description !== 'string')
    throw new TallyError('invalid_argument', 'an artifact description is a string')
  if (e.metadata !== undefined) checkConfig(e.metadata, 'artifact metadata')
  if (!Array.isArray(e.aliases ?? [])) throw new TallyError('invalid_argument', 'artifact aliases are an array of strings')
  const aliases = (e.aliases ?? []).filter((a) => a !== 'latest').map(checkAlias)
  const entries = checkEntries(e.entries)
  const digest = manifestDigest(e.artifactType, entries)
  if (e.digest !== digest) {
    throw new TallyError('invalid_argument', `artifact ${e.name}: digest ${String(e.digest)} does not match its entries (${digest})`)
  }
  return { ...e, description: e.description ?? null, metadata: e.metadata ?? {}, aliases: [...new Set(aliases)], entries }
}

/** The columns of a new version. */
export function artifactColumns(e: ArtifactEvent): { metadata: string; manifest: string; size: number } {
  let size = 0
  for (const entry of e.entries) if (entry.kind === 'file') size += entry.size
  return { metadata: stringifyTagged(e.metadata), manifest: stringifyTagged(e.entries as unknown as JsonValue), size }
}

export function toArtifactVersion(
  row: ArtifactRow,
  where: { workspace: string; project: string },
  aliases: readonly AliasRow[],
  latest: number,
): ArtifactVersionInfo {
  const names = aliases.filter((a) => a.version === row.version).map((a) => a.alias)
  if (row.version === latest) names.unshift('latest')
  return {
    workspace: where.workspace,
    project: where.project,
    name: row.name,
    version: row.version,
    type: row.type,
    digest: row.digest,
    description: row.description,
    metadata: parseTagged(row.metadata) as { [key: string]: JsonValue },
    aliases: names,
    entries: parseTagged(row.manifest) as unknown as ArtifactEntry[],
    size: Number(row.size),
    runId: row.run_id,
    createdAt: Number(row.created_at),
  }
}

/** `not_found` for a version that does not exist. */
export function artifactNotFound(name: string, ref: string): TallyError {
  return new TallyError('not_found', `no artifact ${name}:${ref} in this project; \`tally artifact ls PROJECT\` lists what there is`)
}
