/** Artifact versions and aliases in SQLite: written inside an ingest's transaction, read in snapshots. */
import type { ArtifactEvent } from '@tally/sdk/spool'
import type Database from 'better-sqlite3'
import {
  type AliasRow,
  type ArtifactNameInfo,
  type ArtifactRow,
  type ArtifactVersionInfo,
  artifactColumns,
  parseArtifactRef,
  toArtifactVersion,
} from '../artifacts.js'

interface Where {
  workspace: string
  project: string
}

export class SqliteArtifacts {
  private readonly stmt

  constructor(db: Database.Database) {
    this.stmt = {
      project: db.prepare<[string, string], { id: number }>(
        'SELECT p.id FROM projects p JOIN workspaces w ON w.id = p.workspace_id WHERE w.name = ? AND p.name = ?',
      ),
      byDigest: db.prepare<[number, string, string], { version: number }>(
        'SELECT version FROM artifacts WHERE project_id = ? AND name = ? AND digest = ?',
      ),
      next: db.prepare<[number, string], { v: number }>(
        'SELECT coalesce(max(version) + 1, 0) AS v FROM artifacts WHERE project_id = ? AND name = ?',
      ),
      insert: db.prepare(
        `INSERT INTO artifacts (project_id, name, version, type, digest, description, metadata, manifest, size, run_id, created_at)
         VALUES (@project, @name, @version, @type, @digest, @description, @metadata, @manifest, @size, @run, @at)`,
      ),
      setAlias: db.prepare('INSERT OR REPLACE INTO artifact_aliases (project_id, name, alias, version) VALUES (?, ?, ?, ?)'),
      names: db.prepare<[number], ArtifactNameInfo & { updated_at: number }>(
        `SELECT a.name, (SELECT type FROM artifacts l WHERE l.project_id = a.project_id AND l.name = a.name ORDER BY version DESC LIMIT 1) AS type,
           max(a.version) AS latest, count(*) AS versions, max(a.created_at) AS updated_at
         FROM artifacts a WHERE a.project_id = ? GROUP BY a.name ORDER BY a.name`,
      ),
      versions: db.prepare<[number, string], ArtifactRow>(
        'SELECT * FROM artifacts WHERE project_id = ? AND name = ? ORDER BY version DESC',
      ),
      version: db.prepare<[number, string, number], ArtifactRow>(
        'SELECT * FROM artifacts WHERE project_id = ? AND name = ? AND version = ?',
      ),
      latest: db.prepare<[number, string], { v: number | null }>(
        'SELECT max(version) AS v FROM artifacts WHERE project_id = ? AND name = ?',
      ),
      alias: db.prepare<[number, string, string], { version: number }>(
        'SELECT version FROM artifact_aliases WHERE project_id = ? AND name = ? AND alias = ?',
      ),
      aliases: db.prepare<[number, string], AliasRow>(
        'SELECT alias, version FROM artifact_aliases WHERE project_id = ? AND name = ? ORDER BY alias',
      ),
      ofRun: db.prepare<[string], ArtifactRow & { project_id: number; project: string; workspace: string }>(
        `SELECT a.*, p.name AS project, w.name AS workspace FROM artifacts a
         JOIN projects p ON p.id = a.project_id JOIN workspaces w ON w.id = p.workspace_id
         WHERE a.run_id = ? ORDER BY a.created_at, a.name, a.version`,
      ),
    }
  }

  /** Inside the ingest's transaction: a new version per new digest, then the aliases. */
  write(projectId: number, runId: string, events: readonly ArtifactEvent[]): void {
    for (const e of events) {
      let version = this.stmt.byDigest.get(projectId, e.name, e.digest)?.version
      if (version === undefined) {
        version = (this.stmt.next.get(projectId, e.name) as { v: number }).v
        const cols = artifactColumns(e)
        this.stmt.insert.run({
          project: projectId,
          name: e.name,
          version,
          type: e.artifactType,
          digest: e.digest,
          description: e.description,
          ...cols,
          run: runId,
          at: e.at,
        })
      }
      for (const alias of e.aliases) this.stmt.setAlias.run(projectId, e.name, alias, version)
    }
  }

  names(where: Where): ArtifactNameInfo[] {
    const p = this.stmt.project.get(where.workspace, where.project)
    if (p === undefined) return []
    return this.stmt.names
      .all(p.id)
      .map((r) => ({ name: r.name, type: r.type, latest: r.latest, versions: r.versions, updatedAt: r.updated_at }))
  }

  versions(where: Where, name: string): ArtifactVersionInfo[] {
    const p = this.stmt.project.get(where.workspace, where.project)
    if (p === undefined) return []
    const rows = this.stmt.versions.all(p.id, name)
    const aliases = this.stmt.aliases.all(p.id, name)
    return rows.map((r) => toArtifactVersion(r, where, aliases, rows[0]?.version ?? -1))
  }

  get(where: Where, name: string, ref: string): ArtifactVersionInfo | undefined {
    const r = parseArtifactRef(ref)
    const p = this.stmt.project.get(where.workspace, where.project)
    if (p === undefined) return undefined
    const latest = this.stmt.latest.get(p.id, name)?.v ?? null
    if (latest === null) return undefined
    const version = 'version' in r ? r.version : 'latest' in r ? latest : this.stmt.alias.get(p.id, name, r.alias)?.version
    if (version === undefined) return undefined
    const row = this.stmt.version.get(p.id, name, version)
    return row === undefined ? undefined : toArtifactVersion(row, where, this.stmt.aliases.all(p.id, name), latest)
  }

  ofRun(runId: string): ArtifactVersionInfo[] {
    return this.stmt.ofRun.all(runId).map((row) => {
      const latest = this.stmt.latest.get(row.project_id, row.name)?.v ?? -1
      return toArtifactVersion(row, row, this.stmt.aliases.all(row.project_id, row.name), latest)
    })
  }
}
