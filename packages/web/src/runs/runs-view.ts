/**
 * What the runs table shows, as plain functions of the runs and the URL: the columns, the
 * sort (`?sort=created&order=desc`, or `?sort=config.lr`) and the text filter (`?q=adam failed`). The component
 * only draws the result, so a reload or a shared link gives the same rows in the same order.
 */
import type { RunJson, RunStatus } from '@tally/sdk/api'
import { fieldValue, isFieldKey } from './run-fields'

export const COLUMNS = [
  { key: 'name', label: 'Name', defaultOrder: 'asc' },
  { key: 'status', label: 'Status', defaultOrder: 'asc' },
  { key: 'group', label: 'Group', defaultOrder: 'asc' },
  { key: 'tags', label: 'Tags', defaultOrder: 'asc' },
  { key: 'created', label: 'Created', defaultOrder: 'desc' },
  { key: 'duration', label: 'Duration', defaultOrder: 'desc' },
] as const

export type ColumnKey = (typeof COLUMNS)[number]['key']
export type Order = 'asc' | 'desc'
/** A fixed column, or a config or summary key (`config.lr`, `summary.train/loss`). */
export type SortColumn = ColumnKey | `config.${string}` | `summary.${string}`
export interface Sort {
  column: SortColumn
  order: Order
}

export const DEFAULT_SORT: Sort = { column: 'created', order: 'desc' }

/** The sort a URL asks for; an unknown column or order falls back to newest first. */
export function parseSort(params: URLSearchParams): Sort {
  const order = params.get('order')
  const key = params.get('sort') ?? ''
  if (isFieldKey(key)) return { column: key as SortColumn, order: order === 'desc' ? 'desc' : 'asc' }
  const column = COLUMNS.find((c) => c.key === key)
  if (column === undefined) return DEFAULT_SORT
  return { column: column.key, order: order === 'asc' || order === 'desc' ? order : column.defaultOrder }
}

/** Clicking a column's header: the same column flips its order, another starts at its natural order. */
export function nextSort(current: Sort, column: SortColumn): Sort {
  if (current.column === column) return { column, order: current.order === 'asc' ? 'desc' : 'asc' }
  const spec = COLUMNS.find((c) => c.key === column)
  return { column, order: spec?.defaultOrder ?? 'asc' }
}

const ms = (iso: string | null): number | null => {
  if (iso === null) return null
  const t = Date.parse(iso)
  return Number.isNaN(t) ? null : t
}

/**
 * How long a run ran: until it finished, until it was last heard from (crashed), or until
 * `now` while it runs. Null when its times are unknown.
 */
export function runDuration(run: RunJson, now: number): number | null {
  const start = ms(run.createdAt)
  if (start === null) return null
  const end = run.status === 'running' ? now : run.status === 'crashed' ? ms(run.heartbeatAt) : (ms(run.finishedAt) ?? ms(run.updatedAt))
  return end === null ? null : Math.max(0, end - start)
}

/** Running and broken runs first when sorted by status: those are the ones to look at. */
const STATUS_RANK: Record<RunStatus, number> = { running: 0, failed: 1, crashed: 2, finished: 3 }

type Key = string | number | null

/** A config or summary value as a sort key: numbers (booleans 1/0) by value, text ignoring case, objects as JSON. */
function fieldSortKey(run: RunJson, key: string): Key {
  const v = fieldValue(run, key)
  if (v === undefined || v === null) return null
  if (typeof v === 'number') return v
  // Non-finite numbers travel as strings: sort them as the numbers they are (NaN with the empty).
  if (v === 'Infinity') return Number.POSITIVE_INFINITY
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY
  if (v === 'NaN') return null
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'string') return v.toLowerCase()
  return JSON.stringify(v)
}

function sortKey(run: RunJson, column: SortColumn, now: number): Key {
  switch (column) {
    case 'name':
      return run.name.toLowerCase()
    case 'status':
      return STATUS_RANK[run.status]
    case 'group':
      return run.group === null || run.group === '' ? null : run.group.toLowerCase()
    case 'tags':
      return run.tags.length === 0 ? null : run.tags.join(' ').toLowerCase()
    case 'created':
      return ms(run.createdAt)
    case 'duration':
      return runDuration(run, now)
    default:
      return fieldSortKey(run, column)
  }
}

/** Sorted copy of `runs`. Runs without a value come last in both orders; ties go newest first, then by id. */
export function sortRuns(runs: readonly RunJson[], sort: Sort, now: number): RunJson[] {
  const sign = sort.order === 'asc' ? 1 : -1
  const keyed = runs.map((run) => ({ run, key: sortKey(run, sort.column, now), created: ms(run.createdAt) ?? 0 }))
  keyed.sort((a, b) => {
    if (a.key !== b.key) {
      if (a.key === null) return 1
      if (b.key === null) return -1
      const c = typeof a.key === 'number' && typeof b.key === 'number' ? a.key - b.key : String(a.key).localeCompare(String(b.key))
      if (c !== 0) return sign * c
    }
    return b.created - a.created || (a.run.id < b.run.id ? -1 : a.run.id > b.run.id ? 1 : 0)
  })
  return keyed.map((k) => k.run)
}

/**
 * Runs matching every word of `text`, each found (ignoring case) in the run's name, id,
 * status, group or one of its tags. Empty text keeps every run.
 */
export function filterRuns(runs: readonly RunJson[], text: string): RunJson[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean)
  if (words.length === 0) return [...runs]
  return runs.filter((run) => {
    const haystack = [run.name, run.id, run.status, run.group ?? '', ...run.tags].join('\n').toLowerCase()
    return words.every((w) => haystack.includes(w))
  })
}
