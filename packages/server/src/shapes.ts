/**
 * The JSON shapes Tally prints and serves: the CLI's `--json` output and the HTTP API share
 * them, so a script can move from one to the other. Times are ISO 8601 strings; NaN and
 * ±Infinity become the strings "NaN", "Infinity", "-Infinity" (via `toPlainJson`).
 */
import type { ArtifactEntryJson, ArtifactJson, ArtifactVersionJson, ProjectJson, RunJson } from '@tally/sdk'
import { toPlainJson } from '@tally/sdk/spool'
import type { ApiKeyInfo, ArtifactNameInfo, ArtifactVersionInfo, ProjectInfo, RunInfo, WorkspaceInfo } from './store/store.js'

/** ISO 8601, or null for no time (and for one no Date can hold, rather than failing the answer). */
export const iso = (ms: number | null): string | null => {
  const d = ms === null ? undefined : new Date(ms)
  return d === undefined || Number.isNaN(d.getTime()) ? null : d.toISOString()
}

/** Typed by the SDK's `RunJson`, which the dashboard reads. */
export function runJson(r: RunInfo): RunJson {
  return {
    id: r.id,
    name: r.name,
    project: r.project,
    workspace: r.workspace,
    status: r.status,
    group: r.group,
    tags: r.tags,
    config: r.config,
    summary: r.summary,
    createdAt: iso(r.createdAt),
    description: r.description,
    results: r.results,
    updatedAt: iso(r.updatedAt),
    finishedAt: iso(r.finishedAt),
    heartbeatAt: iso(r.heartbeatAt),
    lastStep: r.lastStep,
    error: r.error,
    system: r.system,
  }
}

/** A key as the API and `tally keys --json` show it (never the key itself). */
export const keyJson = (k: ApiKeyInfo) => ({ ...k, createdAt: iso(k.createdAt), revokedAt: iso(k.revokedAt) })

export const workspaceJson = (w: WorkspaceInfo) => ({ ...w, createdAt: iso(w.createdAt) })

export const projectJson = (p: ProjectInfo): ProjectJson => ({ ...p, createdAt: iso(p.createdAt), lastActivityAt: iso(p.lastActivityAt) })

export function artifactJson(a: ArtifactNameInfo): ArtifactJson {
  return { name: a.name, type: a.type, latest: `v${a.latest}`, versions: a.versions, updatedAt: iso(a.updatedAt) }
}

export function artifactVersionJson(v: ArtifactVersionInfo): ArtifactVersionJson {
  return {
    workspace: v.workspace,
    project: v.project,
    name: v.name,
    version: `v${v.version}`,
    type: v.type,
    digest: v.digest,
    description: v.description,
    metadata: toPlainJson(v.metadata) as ArtifactVersionJson['metadata'],
    aliases: v.aliases,
    size: v.size,
    runId: v.runId,
    createdAt: iso(v.createdAt),
    entries: toPlainJson(v.entries) as unknown as ArtifactEntryJson[],
  }
}
