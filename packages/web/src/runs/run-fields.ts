/**
 * Config and summary values as table columns: the keys a project's runs have (nested
 * objects flattened with `.`), a run's value at such a key, and how a value is written in a
 * cell. Arrays are values, not paths, as the server's `config.a.b` paths read object keys only.
 */
import type { RunJson } from '@tally/sdk/api'

export type JsonValue = RunJson['config'][string]

export type FieldSource = 'config' | 'summary'

const isObject = (v: unknown): v is { [key: string]: JsonValue } => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The leaf keys of `value`, nested objects joined with `.`, each prefixed with `prefix`. */
export function flattenKeys(value: { [key: string]: JsonValue }, prefix: string): string[] {
  const out: string[] = []
  for (const [k, v] of Object.entries(value)) {
    const key = `${prefix}.${k}`
    if (isObject(v) && Object.keys(v).length > 0) out.push(...flattenKeys(v, key))
    else out.push(key)
  }
  return out
}

/** Every `config.*` and `summary.*` key any of `runs` has, config first, each part sorted. */
export function fieldKeys(runs: readonly RunJson[]): string[] {
  const config = new Set<string>()
  const summary = new Set<string>()
  for (const run of runs) {
    for (const k of flattenKeys(run.config ?? {}, 'config')) config.add(k)
    for (const k of flattenKeys(run.summary ?? {}, 'summary')) summary.add(k)
  }
  return [...[...config].sort(), ...[...summary].sort()]
}

/** Whether `key` names a config or summary value (`config.lr`, `summary.train/loss`). */
export function isFieldKey(key: string): boolean {
  return /^(config|summary)\.[^.]/.test(key) && !key.endsWith('.') && !key.includes('..')
}

/** The value of `run` at `config.a.b` / `summary.x`; undefined when it has none. */
export function fieldValue(run: RunJson, key: string): JsonValue | undefined {
  const dot = key.indexOf('.')
  const source = key.slice(0, dot)
  if (dot < 0 || (source !== 'config' && source !== 'summary')) return undefined
  const root: { [key: string]: JsonValue } | undefined = source === 'config' ? run.config : run.summary
  // A key that itself holds a dot (`summary.a.b` logged as "a.b") is found whole first.
  const rest = key.slice(dot + 1)
  if (root !== undefined && Object.hasOwn(root, rest)) return root[rest]
  let v: JsonValue | undefined = root
  for (const part of rest.split('.')) {
    if (!isObject(v) || !Object.hasOwn(v, part)) return undefined
    v = v[part]
  }
  return v
}

/** A number written compactly: 0.001 → `0.001`, 1234567 → `1.235e+6`, 0.000012 → `1.2e-5`. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (Number.isInteger(n) && Math.abs(n) < 1e6) return String(n)
  const a = Math.abs(n)
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return n.toExponential(3).replace(/\.?0+e/, 'e')
  return String(Number(n.toPrecision(4)))
}

/** A cell's text: numbers compact, "NaN"/"Infinity" as such, objects and arrays as short JSON, missing as `–`. */
export function formatField(value: JsonValue | undefined, max = 40): string {
  if (value === undefined || value === null) return '–'
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return String(value)
  const json = JSON.stringify(value)
  return json.length > max ? `${json.slice(0, max - 1)}…` : json
}

/** The columns a URL asks for (`?cols=config.lr,summary.loss`), without repeats or malformed keys. */
export function parseCols(params: URLSearchParams): string[] {
  const raw = params.get('cols') ?? ''
  return [
    ...new Set(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(isFieldKey),
    ),
  ]
}
