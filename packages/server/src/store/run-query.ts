/**
 * Run-list queries (`Store.listRuns`) checked once for every backend, so a query valid on
 * one backend is valid on the other and a bad one is refused with the same `invalid_query`
 * message. Each backend turns the checked query into its own SQL (`<backend>/queries.ts`).
 */
import type { RunStatus } from '@tally/sdk/spool'
import { DEFAULT_WORKSPACE } from './checks.js'
import { invalidQuery } from './errors.js'
import type { Comparison, Condition, RunQuery } from './store.js'

const STATUSES: readonly RunStatus[] = ['running', 'finished', 'failed', 'crashed']
const COMPARISONS: readonly Comparison[] = ['=', '!=', '<', '<=', '>', '>=']

/** `config.a.b`: the JSON column and the names along the path, each free of quotes, backslashes and control characters. */
export interface JsonPath {
  column: 'config' | 'summary'
  parts: string[]
}

/**
 * A condition checked, on a column of `r` (the project's runs, with `derived_status`, the
 * status as read) or a JSON path. Booleans are 1 and 0, as SQLite compares them.
 */
export type CheckedCondition =
  | { kind: 'text'; column: string; op: Comparison; value: string | null }
  | { kind: 'number'; column: string; op: Comparison; value: number }
  | { kind: 'json'; path: JsonPath; op: Comparison; value: string | number | null }

export interface CheckedRunQuery {
  workspace: string
  project: string
  status?: RunStatus
  name?: string
  group?: string
  tag?: string
  /** Lowercased; absent when empty. */
  search?: string
  where: CheckedCondition[]
  /** A column of `r` (`text` for a text one), or a JSON path. */
  sort: { kind: 'column'; column: string; text: boolean } | { kind: 'json'; path: JsonPath }
  /** Runs without the sort value come last whichever the direction; ties go by creation, then id. */
  order: 'asc' | 'desc'
  limit: number
  offset: number
}

// Maps, not object literals, so that names such as `constructor` find nothing. The columns
// are the same in both schemas.
const SORT_COLUMNS = new Map([
  ['createdAt', { column: 'r.created_at', text: false }],
  ['name', { column: 'r.name', text: true }],
  ['status', { column: 'r.derived_status', text: true }],
  ['updatedAt', { column: 'r.updated_at', text: false }],
])
const TEXT_COLUMNS = new Map([
  ['name', 'r.name'],
  ['status', 'r.derived_status'],
  ['group', 'r.group_name'],
])

/** `config.a.b` → its column and path, or undefined when the field is not a JSON field. */
function jsonPath(field: string): JsonPath | undefined {
  const dot = field.indexOf('.')
  const column = field.slice(0, dot)
  if (dot < 0 || (column !== 'config' && column !== 'summary')) return undefined
  const parts = field.slice(dot + 1).split('.')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (parts.some((p) => p === '' || /["\\\u0000-\u001f]/.test(p))) {
    throw invalidQuery(`${field}: a path is names joined by "." with no empty part, quote, backslash or control character`)
  }
  return { column, parts }
}

function checkCondition(c: Condition): CheckedCondition {
  if (typeof c?.field !== 'string') throw invalidQuery('each where condition needs a field')
  const { field, op } = c
  if (!COMPARISONS.includes(op)) throw invalidQuery(`${field}: op must be one of ${COMPARISONS.join(' ')}`)
  const v = c.value
  if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
    throw invalidQuery(`${field}: value must be a string, number, boolean or null`)
  }
  if (typeof v === 'number' && !Number.isFinite(v)) throw invalidQuery(`${field}: value must be a finite number`)
  if (v === null && op !== '=' && op !== '!=') throw invalidQuery(`${field}: null can only be compared with = or !=`)
  const path = jsonPath(field)
  if (path !== undefined) return { kind: 'json', path, op, value: typeof v === 'boolean' ? Number(v) : v }
  const column = TEXT_COLUMNS.get(field)
  if (column === undefined && field !== 'createdAt') {
    throw invalidQuery(`cannot filter on ${JSON.stringify(field)}; use name, status, group, createdAt, config.<path> or summary.<path>`)
  }
  if (column === undefined) {
    if (typeof v !== 'number') throw invalidQuery('createdAt is compared with a number (ms since the epoch)')
    return { kind: 'number', column: 'r.created_at', op, value: v }
  }
  if (typeof v !== 'string' && v !== null) {
    throw invalidQuery(`${field} is compared with text, not a ${typeof v}; give the value as a string, e.g. ${JSON.stringify(String(v))}`)
  }
  return { kind: 'text', column, op, value: v }
}

export function checkRunQuery(q: RunQuery): CheckedRunQuery {
  if (typeof q?.project !== 'string') throw invalidQuery('project must be a string')
  const out: CheckedRunQuery = {
    workspace: q.workspace ?? DEFAULT_WORKSPACE,
    project: q.project,
    where: [],
    sort: { kind: 'column', column: 'r.created_at', text: false },
    order: 'desc',
    limit: 100,
    offset: 0,
  }
  if (q.status !== undefined) {
    if (!STATUSES.includes(q.status)) throw invalidQuery(`status must be one of ${STATUSES.join(', ')}`)
    out.status = q.status
  }
  if (q.name !== undefined) {
    if (typeof q.name !== 'string') throw invalidQuery('name must be a string')
    out.name = q.name
  }
  if (q.group !== undefined) {
    if (typeof q.group !== 'string') throw invalidQuery('group must be a string')
    out.group = q.group
  }
  if (q.tag !== undefined) {
    if (typeof q.tag !== 'string') throw invalidQuery('tag must be a string')
    out.tag = q.tag
  }
  if (q.search !== undefined && q.search !== '') {
    if (typeof q.search !== 'string') throw invalidQuery('search must be a string')
    out.search = q.search.toLowerCase()
  }
  if (q.where !== undefined && !Array.isArray(q.where)) throw invalidQuery('where must be a list of conditions')
  for (const c of q.where ?? []) out.where.push(checkCondition(c))

  const sort = q.sort ?? 'createdAt'
  if (typeof sort !== 'string') throw invalidQuery('sort must be a string')
  const order = q.order ?? (sort === 'createdAt' || sort === 'updatedAt' ? 'desc' : 'asc')
  if (order !== 'asc' && order !== 'desc') throw invalidQuery('order must be asc or desc')
  out.order = order
  const column = SORT_COLUMNS.get(sort)
  if (column !== undefined) {
    out.sort = { kind: 'column', ...column }
  } else {
    const path = jsonPath(sort)
    if (path === undefined) {
      throw invalidQuery(`cannot sort by ${JSON.stringify(sort)}; use createdAt, name, status, updatedAt, config.<path> or summary.<path>`)
    }
    out.sort = { kind: 'json', path }
  }

  const limit = q.limit ?? 100
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidQuery('limit must be an integer from 1 to 1000')
  const offset = q.offset ?? 0
  if (!Number.isInteger(offset) || offset < 0) throw invalidQuery('offset must be an integer of 0 or more')
  out.limit = limit
  out.offset = offset
  return out
}
