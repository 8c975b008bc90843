/**
 * The runs panel's URL parameters beyond sort and filter: `sel=` (selected run ids), `hide=`
 * (runs kept out of the charts), `runs=` (Trackio's embedding parameter: only these runs, by
 * name or id), `group_by=` (group, tag or a config key) and `sidebar=` (hidden or collapsed).
 * Each is read leniently: a malformed value means "not set", never a broken page.
 */
import type { RunJson } from '@tally/sdk/api'
import { isFieldKey } from './run-fields'

/** `a,b,,a` → `['a', 'b']`: trimmed, without empties or repeats, in order. */
export function parseList(text: string | null): string[] {
  if (text === null) return []
  return [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ]
}

export type GroupBy = { kind: 'group' } | { kind: 'tag' } | { kind: 'config'; key: `config.${string}` }

/** `group_by=group`, `group_by=tag` or `group_by=config.optimizer`; anything else groups nothing. */
export function parseGroupBy(text: string | null): GroupBy | undefined {
  if (text === 'group') return { kind: 'group' }
  if (text === 'tag' || text === 'tags') return { kind: 'tag' }
  if (text?.startsWith('config.') && isFieldKey(text)) return { kind: 'config', key: text as `config.${string}` }
  return undefined
}

/** A group-by back as its URL value. */
export function groupByParam(groupBy: GroupBy | undefined): string | undefined {
  if (groupBy === undefined) return undefined
  return groupBy.kind === 'config' ? groupBy.key : groupBy.kind
}

export type Sidebar = 'shown' | 'hidden' | 'collapsed'

/** `sidebar=hidden` (charts only, for iframes), `sidebar=collapsed` (one line that opens it); else shown. */
export function parseSidebar(text: string | null): Sidebar {
  return text === 'hidden' || text === 'collapsed' ? text : 'shown'
}

/**
 * The runs `runs=` names, by name or id, in the order of `runs`. An empty list restricts
 * nothing; a name several runs share keeps all of them.
 */
export function restrictRuns(runs: readonly RunJson[], wanted: readonly string[]): readonly RunJson[] {
  if (wanted.length === 0) return runs
  const set = new Set(wanted)
  return runs.filter((r) => set.has(r.id) || set.has(r.name))
}

/**
 * The `runs=` value that names exactly `chosen` among `all`: each run by its name where no
 * other run has that name and it holds no comma, else by its id (ids are unique, and
 * `runs=` accepts both), so the link reads well and still means these runs only.
 */
export function runsParamFor(chosen: readonly RunJson[], all: readonly RunJson[]): string {
  const count = new Map<string, number>()
  for (const r of all) count.set(r.name, (count.get(r.name) ?? 0) + 1)
  const ids = new Set(all.map((r) => r.id))
  return chosen.map((r) => (count.get(r.name) === 1 && !r.name.includes(',') && !ids.has(r.name) ? r.name : r.id)).join(',')
}
