/** Pure helpers of the run page's artifact list: download addresses and sizes. */
import type { ArtifactEntryJson, ArtifactVersionJson } from '@tally/sdk/api'

/** The API address that downloads one entry of a version (every path segment encoded). */
export function entryUrl(v: Pick<ArtifactVersionJson, 'workspace' | 'project' | 'name' | 'version'>, path: string): string {
  const seg = encodeURIComponent
  const file = path.split('/').map(seg).join('/')
  return `/api/v1/workspaces/${seg(v.workspace)}/projects/${seg(v.project)}/artifacts/${seg(v.name)}/${seg(v.version)}/files/${file}`
}

/** `512 B`, `1.5 KiB`, `19.0 MiB`: binary units, one decimal past bytes. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(1)} ${units[i]}`
}

/** What an entry is, in a few words: its size, "JSON object", or the URI it points at. */
export function describeEntry(e: ArtifactEntryJson): string {
  if (e.kind === 'file') return formatBytes(e.size)
  if (e.kind === 'object') return 'JSON object'
  return `reference: ${e.uri}`
}
