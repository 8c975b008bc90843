/** Artifact versions and aliases in PostgreSQL: written inside an ingest's transaction, read in snapshots. */
import type { ArtifactEvent } from '@tally/sdk/spool'
import {
  type AliasRow,
  type ArtifactNameInfo,
  type ArtifactRow,
  type ArtifactVersionInfo,
  artifactColumns,
  parseArtifactRef,
  toArtifactVersion,
} from '../artifacts.js'
import { all, first, type Queryable, run, statement } from './statements.js'

interface Where {
  workspace: string
  project: string
}

const SQL = {
  project: statement<[string, string], { id: number }>(
    'art_project',
    'SELECT p.id FROM projects p JOIN workspaces w ON w.id = p.workspace_id WHERE w.name = $1 AND p.name = $2',
  ),
  /** Versions of a name are numbered under its project's row lock, so two writers never take one number. */
  lockProject: statement<[number]>('art_lock_project', 'SELECT id FROM projects WHERE id = $1 FOR UPDATE'),
  byDigest: statement<[number, string, string], { version: number }>(
    'art_by_digest',
    'SELECT version FROM artifacts WHERE project_id = $1 AND name = $2 AND digest = $3',
  ),
  next: statement<[number, string], { v: number }>(
    'art_next',
    'SELECT coalesce(max(version) + 1, 0) AS v FROM artifacts WHERE project_id = $1 AND name = $2',
  ),
  insert: statement<[number, string, number, string, string, string | null, string, string, number, string, number]>(
    'art_insert',
    `INSERT INTO artifacts (project_id, name, version, type, digest, description, metadata, manifest, size, run_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
  ),
  setAlias: statement<[number, string, string, number]>(
    'art_set_alias',
    `INSERT INTO artifact_aliases (project_id, name, alias, version) VALUES ($1, $2, $3, $4)
     ON CONFLICT (project_id, name, alias) DO UPDATE SET version = excluded.version`,
  ),
  names: statement<[number], { name: string; type: string; latest: number; versions: number; updated_at: number }>(
    'art_names',
    `SELECT a.name, (SELECT type FROM artifacts l WHERE l.project_id = a.project_id AND l.name = a.name ORDER BY version DESC LIMIT 1) AS type,
       max(a.version) AS latest, count(*) AS versions, max(a.created_at) AS updated_at
     FROM artifacts a WHERE a.project_id = $1 GROUP BY a.project_id, a.name ORDER BY a.name COLLATE "C"`,
  ),
  versions: statement<[number, string], ArtifactRow>(
    'art_versions',
    'SELECT * FROM artifacts WHERE project_id = $1 AND name = $2 ORDER BY version DESC',
  ),
  version: statement<[number, string, number], ArtifactRow>(
    'art_version',
    'SELECT * FROM artifacts WHERE project_id = $1 AND name = $2 AND version = $3',
  ),
  latest: statement<[number, string], { v: number | null }>(
    'art_latest',
    'SELECT max(version) AS v FROM artifacts WHERE project_id = $1 AND name = $2',
  ),
  alias: statement<[number, string, string], { version: number }>(
    'art_alias',
    'SELECT version FROM artifact_aliases WHERE project_id = $1 AND name = $2 AND alias = $3',
  ),
  aliases: statement<[number, string], AliasRow>(
    'art_aliases',
    'SELECT alias, version FROM artifact_aliases WHERE project_id = $1 AND name = $2 ORDER BY alias COLLATE "C"',
  ),
  ofRun: statement<[string], ArtifactRow & { project_id: number; project: string; workspace: string }>(
    'art_of_run',
    `SELECT a.*, p.name AS project, w.name AS workspace FROM artifacts a
     JOIN projects p ON p.id = a.project_id JOIN workspaces w ON w.id = p.workspace_id
     WHERE a.run_id = $1 ORDER BY a.created_at, a.name, a.version`,
  ),
}

/** Inside the ingest's transaction: a new version per new digest, then the aliases. */
export async function writeArtifacts(db: Queryable, projectId: number, runId: string, events: readonly ArtifactEvent[]): Promise<void> {
  await run(db, SQL.lockProject, [projectId])
  for (const e of events) {
    let version = (await first(db, SQL.byDigest, [projectId, e.name, e.digest]))?.version
    if (version === undefined) {
      version = (await first(db, SQL.next, [projectId, e.name]))?.v ?? 0
      const c = artifactColumns(e)
      await run(db, SQL.insert, [
        projectId,
        e.name,
        version,
        e.artifactType,
        e.digest,
        e.description,
        c.metadata,
        c.manifest,
        c.size,
        runId,
        e.at,
      ])
    }
    for (const alias of e.aliases) await run(db, SQL.setAlias, [projectId, e.name, alias, version])
  }
}

export async function artifactNames(db: Queryable, where: Where): Promise<ArtifactNameInfo[]> {
  const p = await first(db, SQL.project, [where.workspace, where.project])
  if (p === undefined) return []
  return (await all(db, SQL.names, [p.id])).map((r) => ({
    name: r.name,
    type: r.type,
    latest: r.latest,
    versions: r.versions,
    updatedAt: r.updated_at,
  }))
}

export async function artifactVersions(db: Queryable, where: Where, name: string): Promise<ArtifactVersionInfo[]> {
  const p = await first(db, SQL.project, [where.workspace, where.project])
  if (p === undefined) return []
  const rows = await all(db, SQL.versions, [p.id, name])
  const aliases = await all(db, SQL.aliases, [p.id, name])
  return rows.map((r) => toArtifactVersion(r, where, aliases, rows[0]?.version ?? -1))
}

export async function artifactVersion(db: Queryable, where: Where, name: string, ref: string): Promise<ArtifactVersionInfo | undefined> {
  const r = parseArtifactRef(ref)
  const p = await first(db, SQL.project, [where.workspace, where.project])
  if (p === undefined) return undefined
  const latest = (await first(db, SQL.latest, [p.id, name]))?.v ?? null
  if (latest === null) return undefined
  const version = 'version' in r ? r.version : 'latest' in r ? latest : (await first(db, SQL.alias, [p.id, name, r.alias]))?.version
  if (version === undefined) return undefined
  const row = await first(db, SQL.version, [p.id, name, version])
  return row === undefined ? undefined : toArtifactVersion(row, where, await all(db, SQL.aliases, [p.id, name]), latest)
}

export async function artifactsOfRun(db: Queryable, runId: string): Promise<ArtifactVersionInfo[]> {
  const out: ArtifactVersionInfo[] = []
  for (const row of await all(db, SQL.ofRun, [runId])) {
    const latest = (await first(db, SQL.latest, [row.project_id, row.name]))?.v ?? -1
    out.push(toArtifactVersion(row, row, await all(db, SQL.aliases, [row.project_id, row.name]), latest))
  }
  return out
}
