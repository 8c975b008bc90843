/**
 * How a run's values read on its page: config as a nested tree that a search narrows,
 * summary and results as key/value rows, the command line as a shell would take it, and
 * the run's times. Plain functions, no React, so they are tested alone.
 */
import type { RunJson } from '@tally/sdk/api'
import type { JsonValue } from '../api/runs'

/** The API writes NaN and ±Infinity as these strings. */
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity'])

/**
 * One value as text: numbers as written (NaN and ±Infinity as such), strings bare, null as
 * `null`, arrays and objects as compact JSON.
 */
export function formatJson(value: JsonValue): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

/** Whether a value is a number, NaN and ±Infinity included (for right-aligned cells). */
export function isNumeric(value: JsonValue): boolean {
  return typeof value === 'number' || (typeof value === 'string' && NON_FINITE.has(value))
}

/** A row of the config tree: a branch (an object or array) or a leaf value. */
export interface TreeRow {
  /** Dotted path from the root, `optimizer.betas.0`; unique, so a React key. */
  path: string
  key: string
  depth: number
  /** Set for leaves; branches have children instead. */
  value?: JsonValue
  /** For branches: how many entries they hold. */
  size?: number
  kind: 'object' | 'array' | 'leaf'
}

/** Every key of a nested value, depth first in key order, parents before children. */
export function flattenTree(root: { [key: string]: JsonValue }): TreeRow[] {
  const rows: TreeRow[] = []
  const walk = (value: JsonValue, key: string, path: string, depth: number): void => {
    if (Array.isArray(value)) {
      rows.push({ path, key, depth, kind: 'array', size: value.length })
      for (const [i, v] of value.entries()) walk(v, String(i), `${path}.${i}`, depth + 1)
    } else if (value !== null && typeof value === 'object') {
      const keys = Object.keys(value).sort((a, b) => a.localeCompare(b))
      rows.push({ path, key, depth, kind: 'object', size: keys.length })
      for (const k of keys) walk(value[k] as JsonValue, k, `${path}.${k}`, depth + 1)
    } else {
      rows.push({ path, key, depth, kind: 'leaf', value })
    }
  }
  for (const k of Object.keys(root).sort((a, b) => a.localeCompare(b))) walk(root[k] as JsonValue, k, k, 0)
  return rows
}

/**
 * The rows a search keeps: every word (case-insensitive) must appear in a leaf's path or
 * value, or in a branch's path (then all under it is kept). A kept row keeps its ancestors,
 * so it is still seen in place. An empty search keeps everything.
 */
export function searchTree(rows: readonly TreeRow[], search: string): TreeRow[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean)
  if (words.length === 0) return [...rows]
  const matches = (text: string): boolean => words.every((w) => text.includes(w))
  const keep = new Set<string>()
  const ancestors: TreeRow[] = []
  let keepUnder: number | undefined
  for (const row of rows) {
    ancestors.length = row.depth
    if (keepUnder !== undefined && row.depth <= keepUnder) keepUnder = undefined
    const text = row.kind === 'leaf' ? `${row.path} ${formatJson(row.value ?? null)}`.toLowerCase() : row.path.toLowerCase()
    if (keepUnder !== undefined || matches(text)) {
      for (const a of ancestors) keep.add(a.path)
      keep.add(row.path)
      if (row.kind !== 'leaf' && keepUnder === undefined) keepUnder = row.depth
    }
    ancestors.push(row)
  }
  return rows.filter((r) => keep.has(r.path))
}

/** A command line as a POSIX shell would take it: words with spaces or quotes are quoted. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ')
}

/** A run's `system.argv` as strings, or undefined when it has none. */
export function argvOf(run: RunJson): string[] | undefined {
  const argv = run.system.argv
  return Array.isArray(argv) && argv.every((a) => typeof a === 'string') ? (argv as string[]) : undefined
}

/** How long the run ran: to its end, or, running, to `now`; undefined without a start. */
export function runDurationMs(run: RunJson, now: number): number | undefined {
  if (run.createdAt === null) return undefined
  const start = Date.parse(run.createdAt)
  const end =
    run.finishedAt !== null
      ? Date.parse(run.finishedAt)
      : run.status === 'running'
        ? now
        : run.heartbeatAt
          ? Date.parse(run.heartbeatAt)
          : Number.NaN
  const ms = end - start
  return Number.isFinite(ms) ? ms : undefined
}

/** `system`'s entries the page shows in their own places; the rest go in a table of their own. */
export const SHOWN_SYSTEM_KEYS = ['host', 'pid', 'argv', 'cwd', 'runtime', 'platform', 'arch', 'git'] as const
