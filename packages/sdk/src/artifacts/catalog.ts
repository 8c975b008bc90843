/**
 * Reading a project's artifact versions back from a client, numbered the way the store
 * numbers them: per (project, name) from v0 in the order versions were logged, a digest
 * logged again being the same version, aliases moving to the version that names them last.
 *
 * Local mode reads the spool, which is the record the local store is built from, so a
 * script can read back what it (or an earlier run) logged without a store or a server. The
 * store numbers versions in the order it ingests them; the local store follows the spool as
 * it is written, so the two agree, except for two processes logging the same name within
 * moments of each other and ingested later (the spool orders them by time, a late ingest by
 * run). Remote mode asks the server, whose numbers are the ones the dashboard shows.
 */
import type { ArtifactEntryJson, ArtifactJson, ArtifactVersionJson } from '../api-types.js'
import { TallyError } from '../errors.js'
import type { JsonValue } from '../json.js'
import { answerOf } from '../remote/http.js'
import type { RemoteTarget } from '../remote/target.js'
import type { ArtifactEvent } from '../spool/format.js'
import { listSpool, readRunIndex, readSpoolEvents, spoolDir } from '../spool/index.js'

/** One version as a client reads it back. */
export interface ArtifactVersion {
  name: string
  /** 0 for v0. */
  version: number
  type: string
  digest: string
  description: string | null
  metadata: { [key: string]: JsonValue }
  /** `latest` when it is the newest, then the aliases pointing at it. */
  aliases: string[]
  entries: ArtifactEntryJson[]
  /** The run that logged it first. */
  runId: string
  /** When it was first logged, ms since the epoch. */
  createdAt: number
}

interface Logged {
  event: ArtifactEvent
  runId: string
  writerId: string
  seq: number
}

/** Every artifact version of `project` in the spool under `dir`, oldest first. */
export function spoolArtifactVersions(dir: string, project: string): ArtifactVersion[] {
  const logged: Logged[] = []
  for (const run of listSpool(spoolDir(dir))) {
    if (readRunIndex(run.path)?.project !== project) continue
    for (const file of run.files) {
      for (const { seq, event } of readSpoolEvents(file.path)) {
        if (event.type === 'artifact') logged.push({ event, runId: run.runId, writerId: file.writerId, seq })
      }
    }
  }
  logged.sort((a, b) => a.event.at - b.event.at || a.runId.localeCompare(b.runId) || a.writerId.localeCompare(b.writerId) || a.seq - b.seq)
  return numberVersions(logged)
}

function numberVersions(logged: Logged[]): ArtifactVersion[] {
  const versions: ArtifactVersion[] = []
  const byName = new Map<string, Map<string, ArtifactVersion>>()
  /** name → alias → the version it points at. */
  const aliases = new Map<string, Map<string, ArtifactVersion>>()
  for (const { event, runId } of logged) {
    const digests = byName.get(event.name) ?? new Map<string, ArtifactVersion>()
    byName.set(event.name, digests)
    let v = digests.get(event.digest)
    if (v === undefined) {
      v = {
        name: event.name,
        version: digests.size,
        type: event.artifactType,
        digest: event.digest,
        description: event.description,
        metadata: event.metadata,
        aliases: [],
        entries: event.entries as ArtifactEntryJson[],
        runId,
        createdAt: event.at,
      }
      digests.set(event.digest, v)
      versions.push(v)
    }
    const named = aliases.get(event.name) ?? new Map<string, ArtifactVersion>()
    aliases.set(event.name, named)
    for (const alias of event.aliases) named.set(alias, v)
  }
  for (const [name, named] of aliases) {
    const newest = [...(byName.get(name)?.values() ?? [])].at(-1)
    if (newest) newest.aliases.push('latest')
    for (const [alias, v] of named) if (alias !== 'latest') v.aliases.push(alias)
  }
  return versions
}

/** Every artifact version of `project` on a team server, oldest first. */
export async function serverArtifactVersions(target: RemoteTarget, project: string): Promise<ArtifactVersion[]> {
  const base = `/api/v1/workspaces/${encodeURIComponent(target.workspace)}/projects/${encodeURIComponent(project)}/artifacts`
  const names = (await getJson(target, base)) as unknown as ArtifactJson[]
  const versions: ArtifactVersion[] = []
  for (const { name } of names) {
    const list = (await getJson(target, `${base}/${encodeURIComponent(name)}`)) as unknown as ArtifactVersionJson[]
    for (const v of list.reverse()) {
      versions.push({
        name: v.name,
        version: Number(v.version.slice(1)),
        type: v.type,
        digest: v.digest,
        description: v.description,
        metadata: v.metadata,
        aliases: v.aliases,
        entries: v.entries,
        runId: v.runId,
        createdAt: v.createdAt === null ? 0 : Date.parse(v.createdAt),
      })
    }
  }
  return versions.sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name) || a.version - b.version)
}

async function getJson(target: RemoteTarget, path: string): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(`${target.serverUrl}${path}`, {
      headers: { authorization: `Bearer ${target.apiKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(30_000),
    })
  } catch (e) {
    throw new TallyError('server_unreachable', `cannot reach ${target.serverUrl} to read artifacts; try again when it is up`, { cause: e })
  }
  const text = await response.text()
  // A list answers as an array, which answerOf (made for objects) would not take: wrap it.
  const answer = answerOf(response.status, response.ok ? `{"list":${text}}` : text, target.serverUrl)
  if (answer.kind !== 'ok') throw answer.error
  return answer.body.list
}
