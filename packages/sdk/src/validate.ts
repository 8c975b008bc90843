import { TallyError } from './errors.js'
import { findNonJson, type JsonValue, tagNonFinite, untagNonFinite } from './json.js'

/** Limits shared with the server (Tora's limits). */
export const LIMITS = {
  key: 255,
  project: 255,
  name: 255,
  group: 255,
  description: 1000,
  tags: 50,
  tag: 50,
  /** Bytes of a point's metadata as JSON (Tora's limit). */
  metadata: 10 * 1024,
} as const

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

function codePoints(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

function tooLong(s: string, max: number): boolean {
  return s.length > max && codePoints(s) > max
}

/** NUL cannot be stored in a PostgreSQL text column, so no name or key may hold it, anywhere. */
const hasNul = (s: string): boolean => s.includes('\u0000')

export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || hasNul(key)) {
    throw new TallyError('invalid_key', `metric keys must be non-empty strings without NUL characters; got ${describe(key)}`)
  }
  if (tooLong(key, LIMITS.key)) {
    throw new TallyError('invalid_key', `metric key "${key.slice(0, 40)}…" has ${codePoints(key)} characters; the limit is ${LIMITS.key}`)
  }
  return key
}

export function checkStep(step: unknown): number {
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step > Number.MAX_SAFE_INTEGER) {
    throw new TallyError('invalid_step', `step must be an integer from 0 to 2^53-1; got ${describe(step)}`)
  }
  return step
}

export function checkValue(key: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TallyError('invalid_value', `the value of "${key}" must be a number (NaN and ±Infinity are kept); got ${describe(value)}`)
  }
  return value
}

export function checkProject(project: unknown): string {
  if (typeof project !== 'string' || project.trim().length === 0 || hasNul(project)) {
    throw new TallyError('invalid_project', `project must be a non-empty string without NUL characters; got ${describe(project)}`)
  }
  if (tooLong(project, LIMITS.project)) throw new TallyError('invalid_project', `project names are limited to ${LIMITS.project} characters`)
  return project
}

export function checkId(id: unknown): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new TallyError('invalid_argument', `run ids are 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'; got ${describe(id)}`)
  }
  return id
}

export function checkText(what: 'name' | 'group' | 'description', value: unknown): string {
  const max = LIMITS[what]
  if (typeof value !== 'string' || (what !== 'description' && value.trim().length === 0) || hasNul(value)) {
    throw new TallyError(
      'invalid_name',
      `${what} must be a${what === 'description' ? '' : ' non-empty'} string without NUL characters; got ${describe(value)}`,
    )
  }
  if (tooLong(value, max)) throw new TallyError('invalid_name', `${what} is limited to ${max} characters; got ${codePoints(value)}`)
  return value
}

export function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw new TallyError('invalid_tags', `tags must be an array of strings; got ${describe(tags)}`)
  if (tags.length > LIMITS.tags) throw new TallyError('invalid_tags', `a run may have at most ${LIMITS.tags} tags; got ${tags.length}`)
  for (const t of tags) {
    if (typeof t !== 'string' || t.trim().length === 0 || tooLong(t, LIMITS.tag) || hasNul(t)) {
      throw new TallyError(
        'invalid_tags',
        `each tag must be a non-empty string of at most ${LIMITS.tag} characters, without NUL; got ${describe(t)}`,
      )
    }
  }
  return [...new Set(tags as string[])]
}

/** Point metadata: a plain JSON object of at most 10 KB as JSON, else `invalid_metadata`. */
export function checkMetadata(metadata: unknown): { [key: string]: JsonValue } {
  let checked: { [key: string]: JsonValue }
  try {
    checked = checkConfig(metadata, 'metadata')
  } catch (e) {
    throw new TallyError('invalid_metadata', (e as Error).message)
  }
  const bytes = Buffer.byteLength(JSON.stringify(tagNonFinite(checked)))
  if (bytes > LIMITS.metadata) {
    throw new TallyError(
      'invalid_metadata',
      `metadata is ${bytes} bytes as JSON; the limit is ${LIMITS.metadata} (10 KB): log less, or store it as a run file`,
    )
  }
  return checked
}

/** A plain JSON object, else `invalid_config` naming the offending path. */
export function checkConfig(config: unknown, what = 'config'): { [key: string]: JsonValue } {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TallyError('invalid_config', `${what} must be a plain object of JSON values; got ${describe(config)}`)
  }
  const bad = findNonJson(config)
  if (bad)
    throw new TallyError(
      'invalid_config',
      `${what} must hold only JSON values (objects, arrays, strings, numbers, booleans, null); ${bad.replace(/^\$/, what)} is not`,
    )
  // A deep copy, so later changes to the caller's object do not leak in unrecorded.
  return untagNonFinite(tagNonFinite(config as JsonValue)) as { [key: string]: JsonValue }
}

export function describe(v: unknown): string {
  if (v === null) return 'null'
  if (v === undefined) return 'undefined'
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (typeof v === 'bigint') return `${v}n (a bigint)`
  if (Array.isArray(v)) return 'an array'
  return `a ${typeof v === 'object' ? (Object.getPrototypeOf(v)?.constructor?.name ?? 'object') : typeof v}`
}
