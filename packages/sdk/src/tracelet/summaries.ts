/**
 * Tracelet's automagic captures as structural summaries of plain objects: TypeScript has no
 * caller frames to read nor framework models to introspect, so the summary says what the
 * value is made of (its kind, keys, sizes, number of numeric leaves) and never copies it.
 */
import type { JsonValue } from '../json.js'

type Summary = { [key: string]: JsonValue }

/** The scalar entries of `scope` (numbers, strings, booleans, null): the hyperparameters. */
export function scalarEntries(scope: Record<string, unknown>): Summary {
  const out: Summary = {}
  for (const [key, value] of Object.entries(scope)) {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') out[key] = value
    else if (typeof value === 'number' && Number.isFinite(value)) out[key] = value
  }
  return out
}

/** A model: its class, its top-level parts, and how many numbers (parameters) it holds. */
export function summarizeModel(model: unknown): Summary {
  const summary: Summary = { type: kindOf(model), parameters: countNumbers(model, new Set()) }
  if (model !== null && typeof model === 'object' && !Array.isArray(model) && !ArrayBuffer.isView(model)) {
    const parts: Summary = {}
    for (const [key, value] of Object.entries(model)) parts[key] = { type: kindOf(value), parameters: countNumbers(value, new Set()) }
    summary.layers = Object.keys(parts).length
    summary.parts = parts
  }
  return summary
}

/** A dataset: its size and, from its first record, the fields (or shape) of a sample. */
export function summarizeDataset(dataset: unknown): Summary {
  if (Array.isArray(dataset) || ArrayBuffer.isView(dataset)) {
    const items = dataset as ArrayLike<unknown>
    const summary: Summary = { type: kindOf(dataset), size: items.length }
    if (items.length > 0) summary.sample = describeSample(items[0])
    return summary
  }
  if (dataset !== null && typeof dataset === 'object') {
    // A dataset of columns: { x: [...], y: [...] }.
    const columns: Summary = {}
    let size: number | null = null
    for (const [key, value] of Object.entries(dataset)) {
      columns[key] = describeSample(value)
      if (Array.isArray(value) || ArrayBuffer.isView(value)) size = Math.max(size ?? 0, (value as ArrayLike<unknown>).length)
    }
    return { type: kindOf(dataset), size, columns }
  }
  return { type: kindOf(dataset) }
}

function describeSample(value: unknown): JsonValue {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return { type: kindOf(value), length: (value as ArrayLike<unknown>).length }
  if (value !== null && typeof value === 'object') return { type: kindOf(value), fields: Object.keys(value) }
  return { type: kindOf(value) }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object'
  return typeof value
}

/** Numeric leaves under `value`; a value seen twice (shared or cyclic) counts once. */
function countNumbers(value: unknown, seen: Set<object>): number {
  if (typeof value === 'number') return 1
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0
  seen.add(value)
  if (ArrayBuffer.isView(value)) return value instanceof DataView ? 0 : (value as unknown as ArrayLike<number>).length
  let n = 0
  for (const v of Object.values(value)) n += countNumbers(v, seen)
  return n
}
