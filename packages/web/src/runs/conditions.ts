/**
 * The dashboard's `config.lr > 0.001`-style conditions, read with the same rules as the
 * server's `--where` (packages/server/src/query/parse-condition.ts, docs/cli.md) and
 * evaluated on the loaded runs as the server's SQL does: `=` and `!=` are SQL's IS and IS
 * NOT (so `= null` finds a missing value), an order comparison with a missing value is
 * false, numbers compare numerically, text as text, and a number sorts before any text.
 * Booleans are 1 and 0. The server module throws a Node-side error class, so the browser
 * has its own copy of the few lines of grammar; the unit tests pin both to the same cases.
 */
import type { RunJson } from '@tally/sdk/api'
import { fieldValue } from './run-fields'

export type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>='
export interface Condition {
  field: string
  op: Comparison
  value: string | number | boolean | null
}

const PATTERN = /^\s*([^\s<>=!]+)\s*(<=|>=|!=|==|=|<|>)\s*(.*?)\s*$/
const TEXT_FIELDS = ['name', 'status', 'group']

/** One condition, or an error message saying what is wrong with it. */
export function parseCondition(text: string): Condition | { error: string } {
  const m = PATTERN.exec(text)
  if (!m) {
    return {
      error: `cannot read ${JSON.stringify(text.trim())}; write FIELD OP VALUE, e.g. config.lr > 0.001 (OP is one of = != < <= > >=)`,
    }
  }
  const [, field = '', rawOp = '', rawValue = ''] = m
  const op = (rawOp === '==' ? '=' : rawOp) as Comparison
  if (rawValue === '') return { error: `${JSON.stringify(text.trim())} has no value after ${rawOp}` }
  const value = parseValue(rawValue)
  if (value === null && op !== '=' && op !== '!=') return { error: `${field}: null can only be compared with = or !=` }
  const json = /^(config|summary)\.(.+)$/.exec(field)
  if (json !== null) {
    if ((json[2] ?? '').split('.').some((p) => p === '')) return { error: `${field}: a path is names joined by "." with no empty part` }
  } else if (field === 'createdAt') {
    if (typeof value !== 'number') return { error: 'createdAt is compared with a number (ms since the epoch)' }
  } else if (TEXT_FIELDS.includes(field)) {
    if (typeof value !== 'string' && value !== null) {
      return { error: `${field} is compared with text, not a ${typeof value}; give the value as a string, e.g. "${String(value)}"` }
    }
  } else {
    return { error: `cannot filter on ${JSON.stringify(field)}; use name, status, group, createdAt, config.<path> or summary.<path>` }
  }
  return { field, op, value }
}

function parseValue(raw: string): Condition['value'] {
  if (/^".*"$|^'.*'$/.test(raw)) return raw.slice(1, -1)
  if (raw === 'true') return true
  if (raw === 'false') return false
  if (raw === 'null') return null
  const n = Number(raw)
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw
}

/** Conditions separated by `;` (all must hold); the first error stops the reading. */
export function parseConditions(text: string): { conditions: Condition[]; error?: string } {
  const conditions: Condition[] = []
  for (const part of text.split(';')) {
    if (part.trim() === '') continue
    const c = parseCondition(part)
    if ('error' in c) return { conditions: [], error: c.error }
    conditions.push(c)
  }
  return { conditions }
}

type Scalar = number | string | null

/** A run's value for a field, as SQLite sees it: booleans 1/0, objects as JSON text, missing null. */
function scalarOf(run: RunJson, field: string): Scalar {
  if (field === 'name') return run.name
  if (field === 'status') return run.status
  if (field === 'group') return run.group
  if (field === 'createdAt') {
    const t = run.createdAt === null ? Number.NaN : Date.parse(run.createdAt)
    return Number.isNaN(t) ? null : t
  }
  const v = fieldValue(run, field)
  if (v === undefined || v === null) return null
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'number' || typeof v === 'string') return v
  return JSON.stringify(v)
}

/** SQLite's order of two non-null values: numbers before text, numbers by value, text by code unit. */
function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'number') return -1
  if (typeof b === 'number') return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** Whether `run` meets `c`. */
export function matches(run: RunJson, c: Condition): boolean {
  const a = scalarOf(run, c.field)
  const b: Scalar = typeof c.value === 'boolean' ? (c.value ? 1 : 0) : c.value
  if (c.op === '=' || c.op === '!=') {
    const same = a === null || b === null ? a === b : compare(a, b) === 0
    return c.op === '=' ? same : !same
  }
  if (a === null || b === null) return false
  const d = compare(a, b)
  return c.op === '<' ? d < 0 : c.op === '<=' ? d <= 0 : c.op === '>' ? d > 0 : d >= 0
}

/** The runs meeting every condition. */
export function whereRuns(runs: readonly RunJson[], conditions: readonly Condition[]): RunJson[] {
  return runs.filter((run) => conditions.every((c) => matches(run, c)))
}
