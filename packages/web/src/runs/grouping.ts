/**
 * Runs under group headers (`group_by=`): by their group, by each of their tags (a run with
 * several tags is under each), or by a config value. Runs without one go under "(none)",
 * last. The table draws the flat list of rows `groupRows` gives, headers and runs alike,
 * so virtualization treats both as rows of one height.
 */
import type { RunJson } from '@tally/sdk/api'
import { fieldValue, formatField } from './run-fields'
import type { GroupBy } from './runs-params'

export const NONE_LABEL = '(none)'

export interface RunGroup {
  /** Stable and unique among the groups: what collapsing remembers. */
  key: string
  label: string
  runs: RunJson[]
}

type Value = { key: string; label: string; sort: string | number }

function valuesOf(run: RunJson, by: GroupBy): Value[] {
  if (by.kind === 'group')
    return run.group === null || run.group === '' ? [] : [{ key: `s:${run.group}`, label: run.group, sort: run.group }]
  if (by.kind === 'tag') return [...new Set(run.tags)].map((t) => ({ key: `s:${t}`, label: t, sort: t }))
  const v = fieldValue(run, by.key)
  if (v === undefined || v === null) return []
  if (typeof v === 'number') return [{ key: `n:${v}`, label: formatField(v), sort: v }]
  if (typeof v === 'string') return [{ key: `s:${v}`, label: v, sort: v }]
  const json = JSON.stringify(v)
  return [{ key: `j:${json}`, label: formatField(v), sort: json }]
}

const compare = (a: string | number, b: string | number): number =>
  typeof a === 'number' && typeof b === 'number' ? a - b : typeof a === 'number' ? -1 : typeof b === 'number' ? 1 : a.localeCompare(b)

/** The groups of `runs` (kept in their order within each group), by value; "(none)" last. */
export function groupRuns(runs: readonly RunJson[], by: GroupBy): RunGroup[] {
  const groups = new Map<string, RunGroup & { sort: string | number }>()
  const none: RunJson[] = []
  for (const run of runs) {
    const values = valuesOf(run, by)
    if (values.length === 0) none.push(run)
    for (const v of values) {
      let g = groups.get(v.key)
      if (g === undefined) {
        g = { key: v.key, label: v.label, sort: v.sort, runs: [] }
        groups.set(v.key, g)
      }
      g.runs.push(run)
    }
  }
  const sorted = [...groups.values()].sort((a, b) => compare(a.sort, b.sort)).map(({ key, label, runs }) => ({ key, label, runs }))
  if (none.length > 0) sorted.push({ key: 'none', label: NONE_LABEL, runs: none })
  return sorted
}

export type TableRow =
  | { type: 'group'; key: string; label: string; count: number; collapsed: boolean }
  | { type: 'run'; key: string; run: RunJson }

/** The rows to draw: each group's header, then its runs unless it is collapsed; ungrouped, just the runs. */
export function tableRows(runs: readonly RunJson[], groups: readonly RunGroup[] | undefined, collapsed: ReadonlySet<string>): TableRow[] {
  if (groups === undefined) return runs.map((run) => ({ type: 'run', key: run.id, run }))
  const rows: TableRow[] = []
  for (const g of groups) {
    const shut = collapsed.has(g.key)
    rows.push({ type: 'group', key: `group:${g.key}`, label: g.label, count: g.runs.length, collapsed: shut })
    if (!shut) for (const run of g.runs) rows.push({ type: 'run', key: `${g.key}/${run.id}`, run })
  }
  return rows
}
