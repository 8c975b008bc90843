/**
 * Run queries, checked by `checkRunQuery`, turned into SQLite. Every value reaching SQL is a
 * bound parameter; field names map to fixed SQL or to a JSON path that is itself bound.
 */
import { checkRunQuery, type JsonPath } from '../run-query.js'
import type { Comparison, RunQuery } from '../store.js'

const SQL_OPS: Record<Comparison, string> = { '=': 'IS', '!=': 'IS NOT', '<': '<', '<=': '<=', '>': '>', '>=': '>=' }

/** The column of a JSON path and the path as `json_extract` takes it, `$."a"."b"` (bound, never spliced in). */
function jsonField(path: JsonPath): { column: string; path: string } {
  return { column: `r.${path.column}`, path: `$${path.parts.map((p) => `."${p}"`).join('')}` }
}

export interface ParsedRunQuery {
  workspace: string
  project: string
  where: string[]
  params: unknown[]
  orderBy: string
  orderParams: unknown[]
  limit: number
  offset: number
}

export function parseRunQuery(query: RunQuery): ParsedRunQuery {
  const q = checkRunQuery(query)
  const where: string[] = []
  const params: unknown[] = []
  const add = (sql: string, ...values: unknown[]): void => {
    where.push(sql)
    params.push(...values)
  }
  if (q.status !== undefined) add('r.derived_status = ?', q.status)
  if (q.name !== undefined) add('r.name = ?', q.name)
  if (q.group !== undefined) add('r.group_name = ?', q.group)
  if (q.tag !== undefined) add('EXISTS (SELECT 1 FROM json_each(r.tags) WHERE value = ?)', q.tag)
  if (q.search !== undefined) add('instr(tally_casefold(r.name), ?) > 0', q.search)
  for (const c of q.where) {
    if (c.kind === 'json') {
      const json = jsonField(c.path)
      add(`json_extract(${json.column}, ?) ${SQL_OPS[c.op]} ?`, json.path, c.value)
    } else {
      add(`${c.column} ${SQL_OPS[c.op]} ?`, c.value)
    }
  }

  const dir = q.order === 'asc' ? 'ASC' : 'DESC'
  let expr: string
  const orderParams: unknown[] = []
  if (q.sort.kind === 'column') {
    expr = q.sort.column
  } else {
    const json = jsonField(q.sort.path)
    expr = `json_extract(${json.column}, ?)`
    orderParams.push(json.path, json.path)
  }
  // Runs without the value come last whichever the direction; ties go by creation, then id.
  const orderBy = `(${expr} IS NULL), ${expr} ${dir}, r.created_at ${dir}, r.id ${dir}`
  return { workspace: q.workspace, project: q.project, where, params, orderBy, orderParams, limit: q.limit, offset: q.offset }
}
