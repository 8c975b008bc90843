/**
 * Run queries, checked by `checkRunQuery`, turned into PostgreSQL. Every value reaching SQL
 * is a bound parameter; field names map to fixed SQL or to a JSON path that is itself bound.
 *
 * The answers match SQLite's, whose `json_extract` yields SQL values compared by SQLite's
 * rules: NULL (missing or JSON null) matches no comparison but `= null`, numbers and
 * booleans (as 1 and 0) compare numerically, strings (and objects or arrays, as their JSON
 * text) compare bytewise, and any number sorts before any string. Here a JSON value is
 * split into that rank, its number and its text, and text compares under COLLATE "C"
 * (bytewise, as SQLite's BINARY) whatever the database's locale.
 */
import { type CheckedCondition, type CheckedRunQuery, checkRunQuery, type JsonPath } from '../run-query.js'
import type { Comparison, RunQuery } from '../store.js'

/**
 * `config.a.b` → `(r.config -> 'a' -> 'b')`, each name bound. Names are object keys only,
 * as in SQLite's `$."a"."b"`: `->` with a text key gives NULL on an array, where `#>` would
 * have read `layers.0` as an index.
 */
function jsonField(path: JsonPath, bind: (v: unknown) => string): string {
  return `(r.${path.column}${path.parts.map((p) => ` -> ${bind(p)}::text`).join('')})`
}

/**
 * A value as SQLite sees it in a comparison: its rank (0 a number, 1 a text, NULL for SQL
 * NULL), its number and its text. Any number is less than any text.
 */
interface Parts {
  rank: string
  num: string
  text: string
}

/** A JSON value: numbers and booleans (as 1 and 0) are numbers; strings, objects and arrays (as their JSON) texts; JSON null is NULL. */
function jsonParts(j: string): Parts {
  return {
    rank: `(CASE json_typeof(${j}) WHEN 'number' THEN 0 WHEN 'boolean' THEN 0 WHEN 'string' THEN 1 WHEN 'object' THEN 1 WHEN 'array' THEN 1 END)`,
    num: `(CASE json_typeof(${j}) WHEN 'number' THEN (${j} #>> '{}')::float8 WHEN 'boolean' THEN (${j} #>> '{}' = 'true')::int::float8 END)`,
    text: `(CASE json_typeof(${j}) WHEN 'string' THEN ${j} #>> '{}' WHEN 'object' THEN ${j}::text WHEN 'array' THEN ${j}::text END) COLLATE "C"`,
  }
}

/** A text column, compared only with text. */
function textParts(column: string): Parts {
  return { rank: `(CASE WHEN ${column} IS NULL THEN NULL ELSE 1 END)`, num: 'NULL::float8', text: `${column} COLLATE "C"` }
}

const LESS = new Set<Comparison>(['<', '<='])

/**
 * `parts op value` as SQLite answers it: a value of the other rank is never equal, and is
 * less or greater by rank; `=` and `!=` are SQLite's IS and IS NOT, so NULL equals only null.
 */
function compare(p: Parts, op: Comparison, value: string | number | null, bind: (v: unknown) => string): string {
  if (value === null) return `${p.rank} IS ${op === '=' ? '' : 'NOT '}NULL`
  const numeric = typeof value === 'number'
  const same = numeric
    ? `(${p.rank} = 0 AND ${p.num} ${op === '!=' ? '=' : op} ${bind(value)}::float8)`
    : `(${p.rank} = 1 AND ${p.text} ${op === '!=' ? '=' : op} ${bind(value)}::text)`
  if (op === '=') return `coalesce(${same}, false)`
  if (op === '!=') return `NOT coalesce(${same}, false)`
  const otherRankFirst = numeric ? !LESS.has(op) : LESS.has(op)
  return otherRankFirst ? `(${same} OR ${p.rank} = ${numeric ? 1 : 0})` : same
}

export interface ParsedRunQuery {
  workspace: string
  project: string
  /** Conditions on `r`, whose columns include `derived_status`. */
  where: string[]
  orderBy: string
  /** Parameters from $3 on ($1 is the crashed run ids, $2 the project id): the conditions', then the sort's. */
  params: unknown[]
  /** How many of `params` the conditions use, for a count that leaves the sort out. */
  whereParams: number
  limit: number
  offset: number
}

/** Parameters $1 and $2 are the caller's, so the query's own start at $3. */
const FIRST_PARAM = 3

function condition(c: CheckedCondition, bind: (v: unknown) => string): string {
  switch (c.kind) {
    case 'json':
      return compare(jsonParts(jsonField(c.path, bind)), c.op, c.value, bind)
    case 'number':
      return compare({ rank: '0', num: c.column, text: 'NULL::text' }, c.op, c.value, bind)
    case 'text':
      return compare(textParts(c.column), c.op, c.value, bind)
  }
}

function orderBy(sort: CheckedRunQuery['sort'], order: CheckedRunQuery['order'], bind: (v: unknown) => string): string {
  const dir = order === 'asc' ? 'ASC' : 'DESC'
  const ties = `r.created_at ${dir}, r.id COLLATE "C" ${dir}`
  // Runs without the value come last whichever the direction; ties go by creation, then id.
  if (sort.kind === 'column') {
    // Text sorts bytewise, as SQLite's BINARY, whatever the database's locale.
    const column = sort.text ? `${sort.column} COLLATE "C"` : sort.column
    return `(${column}) IS NULL, ${column} ${dir}, ${ties}`
  }
  const { rank, num, text } = jsonParts(jsonField(sort.path, bind))
  return `${rank} IS NULL, ${rank} ${dir}, ${num} ${dir}, ${text} ${dir}, ${ties}`
}

export function parseRunQuery(query: RunQuery): ParsedRunQuery {
  const q = checkRunQuery(query)
  const params: unknown[] = []
  const bind = (v: unknown): string => {
    params.push(v)
    return `$${FIRST_PARAM + params.length - 1}`
  }
  const where: string[] = []
  if (q.status !== undefined) where.push(`r.derived_status = ${bind(q.status)}::text`)
  if (q.name !== undefined) where.push(`r.name = ${bind(q.name)}::text`)
  if (q.group !== undefined) where.push(`r.group_name = ${bind(q.group)}::text`)
  if (q.tag !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM json_array_elements_text(r.tags) AS t (tag) WHERE t.tag = ${bind(q.tag)}::text)`)
  }
  if (q.search !== undefined) where.push(`strpos(lower(r.name), ${bind(q.search)}::text) > 0`)
  for (const c of q.where) where.push(condition(c, bind))
  const whereParams = params.length
  const order = orderBy(q.sort, q.order, bind)
  return { workspace: q.workspace, project: q.project, where, orderBy: order, params, whereParams, limit: q.limit, offset: q.offset }
}
