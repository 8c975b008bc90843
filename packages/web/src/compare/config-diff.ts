/**
 * The Compare page's tables: one row per flattened config (or summary) key across the
 * runs compared, the keys whose values differ first, so what changed between runs is what
 * the eye meets. Plain functions, no React, so they are tested alone.
 */
import type { RunJson } from '@tally/sdk/api'
import { fieldValue, flattenKeys, type JsonValue } from '../runs/run-fields'

export type DiffSource = 'config' | 'summary'

/** One key across the runs: its value in each (undefined where a run lacks it), in the runs' order. */
export interface DiffRow {
  /** The key without its source, `optimizer.lr`. */
  key: string
  values: (JsonValue | undefined)[]
  /** Whether any two runs disagree, a run that lacks the key included. */
  differs: boolean
}

/** Every key of `source` any run has, flattened with `.`: the differing keys first, then the equal ones, each sorted. */
export function diffRows(runs: readonly RunJson[], source: DiffSource): DiffRow[] {
  const keys = new Set<string>()
  for (const run of runs) for (const k of flattenKeys(run[source] ?? {}, source)) keys.add(k)
  const rows = [...keys].map((full): DiffRow => {
    const values = runs.map((run) => fieldValue(run, full))
    const first = sameness(values[0])
    return { key: full.slice(source.length + 1), values, differs: values.some((v) => sameness(v) !== first) }
  })
  const byKey = (a: DiffRow, b: DiffRow): number => a.key.localeCompare(b.key)
  return [...rows.filter((r) => r.differs).sort(byKey), ...rows.filter((r) => !r.differs).sort(byKey)]
}

/** What two values are compared by: JSON, with a missing value unlike any JSON (null included). */
function sameness(v: JsonValue | undefined): string {
  return v === undefined ? '\u0000missing' : JSON.stringify(v)
}

/** The rows whose key holds every word of `search` (case-insensitive); all of them for an empty search. */
export function searchRows(rows: readonly DiffRow[], search: string): DiffRow[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean)
  return rows.filter((r) => words.every((w) => r.key.toLowerCase().includes(w)))
}

/** Which end of a metric is best. */
export type Better = 'lower' | 'higher'

/**
 * A summary key's best end, by its name alone: lower for losses and errors, higher for
 * everything else (accuracy, reward, F1); system metrics are not ranked (undefined).
 */
export function betterEnd(key: string): Better | undefined {
  if (key.startsWith('system/')) return undefined
  return /loss|error/i.test(key) ? 'lower' : 'higher'
}

/** Which of `values` are the best (ties all are), by `better`; only finite numbers take part, and fewer than two none. */
export function bestIndexes(values: readonly (JsonValue | undefined)[], better: Better | undefined): Set<number> {
  const best = new Set<number>()
  if (better === undefined) return best
  const finite = values.flatMap((v, i) => (typeof v === 'number' && Number.isFinite(v) ? [{ v, i }] : []))
  if (finite.length < 2) return best
  const target = better === 'lower' ? Math.min(...finite.map((f) => f.v)) : Math.max(...finite.map((f) => f.v))
  for (const f of finite) if (f.v === target) best.add(f.i)
  // When every run ties, no value stands out.
  return best.size === finite.length ? new Set() : best
}
