/**
 * JSON cannot carry NaN or ±Infinity, yet a config, summary or result may hold them and
 * Tally promises to keep them. Inside stored and spooled JSON a non-finite number travels
 * as `{"$num":"NaN"}`, `{"$num":"Infinity"}` or `{"$num":"-Infinity"}`; these helpers
 * apply and undo that tagging. Output meant for people and scripts (the CLI's `--json`)
 * writes plain strings instead, see `toPlainJson`.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

const TAG = '$num'

function nonFiniteName(n: number): 'NaN' | 'Infinity' | '-Infinity' {
  if (Number.isNaN(n)) return 'NaN'
  return n > 0 ? 'Infinity' : '-Infinity'
}

/** Replace non-finite numbers by their `{"$num": …}` tag, recursively. */
export function tagNonFinite(value: JsonValue): JsonValue {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { [TAG]: nonFiniteName(value) }
  if (Array.isArray(value)) return value.map(tagNonFinite)
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {}
    for (const [k, v] of Object.entries(value)) out[k] = tagNonFinite(v)
    return out
  }
  return value
}

/** Undo `tagNonFinite`. */
export function untagNonFinite(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(untagNonFinite)
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
    if (keys.length === 1 && keys[0] === TAG) {
      const name = value[TAG]
      if (name === 'NaN') return Number.NaN
      if (name === 'Infinity') return Number.POSITIVE_INFINITY
      if (name === '-Infinity') return Number.NEGATIVE_INFINITY
    }
    const out: { [key: string]: JsonValue } = {}
    for (const [k, v] of Object.entries(value)) out[k] = untagNonFinite(v)
    return out
  }
  return value
}

/** Stringify with tagged non-finite numbers, the form stored and spooled. */
export function stringifyTagged(value: JsonValue): string {
  return JSON.stringify(tagNonFinite(value))
}

/** Parse the form written by `stringifyTagged`. */
export function parseTagged(text: string): JsonValue {
  return untagNonFinite(JSON.parse(text) as JsonValue)
}

/** For people and scripts: non-finite numbers become the strings "NaN", "Infinity", "-Infinity". */
export function toPlainJson(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : nonFiniteName(value)
  if (Array.isArray(value)) return value.map(toPlainJson)
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, toPlainJson)
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = toPlainJson(v)
    return out
  }
  return value
}

/**
 * Check that `value` is plain JSON (objects, arrays, strings, finite or non-finite numbers,
 * booleans, null) and return the path of the first offending part, or undefined when it is.
 */
/** How deep a config, summary or event value may nest. */
export const MAX_DEPTH = 100

export function findNonJson(value: unknown, path = '$', seen = new Set<object>()): string | undefined {
  if (value === null) return undefined
  // Deeper than any real config, and deep enough to overflow the stack of what reads it next.
  if (seen.size >= MAX_DEPTH) return `${path.slice(0, 60)}… (nested deeper than ${MAX_DEPTH} levels)`
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return undefined
    case 'object': {
      if (seen.has(value)) return `${path} (a cycle)`
      seen.add(value)
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const bad = findNonJson(value[i], `${path}[${i}]`, seen)
            if (bad) return bad
          }
          return undefined
        }
        const proto = Object.getPrototypeOf(value)
        if (proto !== Object.prototype && proto !== null) return `${path} (a ${proto?.constructor?.name ?? 'class'} instance)`
        for (const [k, v] of Object.entries(value)) {
          if (v === undefined) continue
          const bad = findNonJson(v, `${path}.${k}`, seen)
          if (bad) return bad
        }
        return undefined
      } finally {
        seen.delete(value)
      }
    }
    default:
      return `${path} (a ${typeof value})`
  }
}
