/**
 * Read queries checked and turned into SQL. Every value reaching SQL is a bound parameter;
 * field names map to fixed SQL or to a JSON path that is itself bound.
 */
import { TallyError } from '@tally/sdk'
import type { RunStatus } from '@tally/sdk/spool'
import { MAX_STEP } from '../chunks.js'
import type { Comparison, RunQuery } from '../store.js'

const STATUSES: readonly RunStatus[] = ['running', 'finished', 'failed', 'crashed']
const COMPARISONS: readonly Comparison[] = ['=', '!=', '<', '<=', '>', '>=']

export function invalid(message: string): TallyError {
  return new TallyError('invalid_query', message)
}

/** from/to of a series read: steps (integers of 0 or more), from <= to; missing ones open. */
export function parseRange(from: unknown, to: unknown): { from: number; to: number } {
  for (const [name, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
      throw invalid(`${name} must be a step, an integer of 0 or more, not ${String(v)}`)
    }
  }
  const f = (from as number | undefined) ?? 0
  const t = (to as number | undefined) ?? MAX_STEP
  if (f > t) throw invalid(`from (${f}) must not be greater than to (${t})`)
  return { from: Math.min(MAX_STEP, f), to: Math.min(MAX_STEP, t) }
}

const CURSOR = /^r(\d{1,16})s(-1|\d{1,16})$/

export function formatCursor(rewrites: number, position: number): string {
  return `r${rewrites}s${position}`
}

export function parseCursor(cursor: unknown): { rewrites: number; position: number } {
  const m = typeof cursor === 'string' ? CURSOR.exec(cursor) : null
  const rewrites = Number(m?.[1])
  const position = Number(m?.[2])
  if (m === null || !Number.isSafeInteger(rewrites) || !Number.isSafeInteger(position)) {
    throw new TallyError(
      'invalid_cursor',
      'the since cursor is malformed; pass the cursor of an earlier answer, or leave since out to read everything',
    )
  }
  return { rewrites, position }
}

// Maps, not object literals, so that names such as `constructor` find nothing.
const SORT_COLUMNS = new Map([
  ['createdAt', 'r.created_at'],
  ['name', 'r.name'],
  ['status', 'r.derived_status'],
  ['updatedAt', 'r.updated_at'],
])
const WHERE_COLUMNS = new Map([
  ['name', 'r.name'],
  ['status', 'r.derived_status'],
  ['group', 'r.group_name'],
  ['createdAt', 'r.created_at'],
])
const SQL_OPS: Record<Comparison, string> = { '=': 'IS', '!=': 'IS NOT', '<': '<', '<=': '<=', '>': '>', '>=': '>=' }

/** `config.a.b` → the column and a JSON path `$."a"."b"` (bound, never spliced in), or undefined. */
function jsonField(field: string): { column: string; path: string } | undefined {
  const dot = field.indexOf('.')
  const head = field.slice(0, dot)
  if (dot < 0 || (head !== 'config' && head !== 'summary')) return undefined
  const parts = field.slice(dot + 1).split('.')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (parts.some((p) => p === '' || /["\\\u0000-\u001f]/.test(p))) {
    throw invalid(`${field}: a path is names joined by "." with no empty part, quote, backslash or control character`)
  }
  return { column: `r.${head}`, path: `$${parts.map((p) => `."${p}"`).join('')}` }
}

export interface ParsedRunQuery {
  project: string
  where: string[]
  params: unknown[]
  orderBy: string
  orderParams: unknown[]
  limit: number
  offset: number
}

function sqlValue(v: unknown): unknown {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v
}

export function parseRunQuery(q: RunQuery): ParsedRunQuery {
  if (typeof q?.project !== 'string') throw invalid('project must be a string')
  const where: string[] = []
  const params: unknown[] = []
  if (q.status !== undefined) {
    if (!STATUSES.includes(q.status)) throw invalid(`status must be one of ${STATUSES.join(', ')}`)
    where.push('r.derived_status = ?')
    params.push(q.status)
  }
  if (q.group !== undefined) {
    if (typeof q.group !== 'string') throw invalid('group must be a string')
    where.push('r.group_name = ?')
    params.push(q.group)
  }
  if (q.tag !== undefined) {
    if (typeof q.tag !== 'string') throw invalid('tag must be a string')
    where.push('EXISTS (SELECT 1 FROM json_each(r.tags) WHERE value = ?)')
    params.push(q.tag)
  }
  if (q.search !== undefined && q.search !== '') {
    if (typeof q.search !== 'string') throw invalid('search must be a string')
    where.push('instr(tally_casefold(r.name), ?) > 0')
    params.push(q.search.toLowerCase())
  }
  if (q.where !== undefined && !Array.isArray(q.where)) throw invalid('where must be a list of conditions')
  for (const c of q.where ?? []) {
    if (typeof c?.field !== 'string') throw invalid('each where condition needs a field')
    if (!COMPARISONS.includes(c.op)) throw invalid(`${c.field}: op must be one of ${COMPARISONS.join(' ')}`)
    const v = c.value
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw invalid(`${c.field}: value must be a string, number, boolean or null`)
    }
    if (typeof v === 'number' && !Number.isFinite(v)) throw invalid(`${c.field}: value must be a finite number`)
    if (v === null && c.op !== '=' && c.op !== '!=') throw invalid(`${c.field}: null can only be compared with = or !=`)
    const json = jsonField(c.field)
    if (json !== undefined) {
      where.push(`json_extract(${json.column}, ?) ${SQL_OPS[c.op]} ?`)
      params.push(json.path, sqlValue(v))
      continue
    }
    const column = WHERE_COLUMNS.get(c.field)
    if (column === undefined) {
      throw invalid(`cannot filter on ${JSON.stringify(c.field)}; use name, status, group, createdAt, config.<path> or summary.<path>`)
    }
    if (c.field === 'createdAt' && typeof v !== 'number') throw invalid('createdAt is compared with a number (ms since the epoch)')
    where.push(`${column} ${SQL_OPS[c.op]} ?`)
    params.push(sqlValue(v))
  }

  const sort = q.sort ?? 'createdAt'
  if (typeof sort !== 'string') throw invalid('sort must be a string')
  const order = q.order ?? (sort === 'createdAt' || sort === 'updatedAt' ? 'desc' : 'asc')
  if (order !== 'asc' && order !== 'desc') throw invalid('order must be asc or desc')
  const dir = order === 'asc' ? 'ASC' : 'DESC'
  let expr = SORT_COLUMNS.get(sort)
  const orderParams: unknown[] = []
  if (expr === undefined) {
    const json = jsonField(sort)
    if (json === undefined)
      throw invalid(`cannot sort by ${JSON.stringify(sort)}; use createdAt, name, status, updatedAt, config.<path> or summary.<path>`)
    expr = `json_extract(${json.column}, ?)`
    orderParams.push(json.path, json.path)
  }
  // Runs without the value come last whichever the direction; ties go by creation, then id.
  const orderBy = `(${expr} IS NULL), ${expr} ${dir}, r.created_at ${dir}, r.id ${dir}`

  const limit = q.limit ?? 100
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit must be an integer from 1 to 1000')
  const offset = q.offset ?? 0
  if (!Number.isInteger(offset) || offset < 0) throw invalid('offset must be an integer of 0 or more')
  return { project: q.project, where, params, orderBy, orderParams, limit, offset }
}
