/**
 * Tora's own input rules (its SDK's `_validation.py`), checked by the facade before anything
 * reaches the core, so code ported from Tora fails where it failed under Tora. Where Tally's
 * core is stricter (step range, metadata bytes) the core's check runs too.
 */
import { TallyError } from '../errors.js'
import type { JsonValue } from '../json.js'
import { checkMetadata, checkStep, describe } from '../validate.js'

export const TORA_LIMITS = {
  experimentName: 255,
  workspaceName: 255,
  workspaceDescription: 1000,
  hyperparamKey: 100,
  hyperparamString: 1000,
  tags: 50,
  tag: 50,
  metricName: 100,
  /** Characters of the metadata as Python's `json.dumps` writes it (Tora's measure). */
  metadata: 10_000,
} as const

const FORBIDDEN_NAME_CHARS = /[<>:"/\\|?*]/
/** C0 controls and DEL, as Tora refuses them (a regex class of them trips the linter). */
const hasControl = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}
const METRIC_NAME = /^[a-zA-Z0-9_\-./]+$/

function codePoints(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

/** Tora strips names before checking and keeping them. */
export function checkExperimentName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim() : raw
  if (typeof name !== 'string' || name.length === 0) {
    throw new TallyError('invalid_name', `the experiment name must be a non-empty string; got ${describe(name)}`)
  }
  if (codePoints(name) > TORA_LIMITS.experimentName) {
    throw new TallyError(
      'invalid_name',
      `the experiment name is limited to ${TORA_LIMITS.experimentName} characters; got ${codePoints(name)}`,
    )
  }
  if (FORBIDDEN_NAME_CHARS.test(name) || hasControl(name)) {
    throw new TallyError(
      'invalid_name',
      `the experiment name ${describe(name)} holds a character Tora forbids (< > : " / \\ | ? * or a control character); use '-' or '_' instead`,
    )
  }
  return name
}

export function checkWorkspaceName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0) {
    throw new TallyError('invalid_name', `the workspace name must be a non-empty string; got ${describe(name)}`)
  }
  if (codePoints(name) > TORA_LIMITS.workspaceName) {
    throw new TallyError(
      'invalid_name',
      `the workspace name is limited to ${TORA_LIMITS.workspaceName} characters; got ${codePoints(name)}`,
    )
  }
  return name
}

export function checkWorkspaceDescription(description: unknown): string {
  if (typeof description !== 'string') {
    throw new TallyError('invalid_name', `the workspace description must be a string; got ${describe(description)}`)
  }
  if (codePoints(description) > TORA_LIMITS.workspaceDescription) {
    throw new TallyError(
      'invalid_name',
      `the workspace description is limited to ${TORA_LIMITS.workspaceDescription} characters; got ${codePoints(description)}`,
    )
  }
  return description
}

export type Hyperparams = Record<string, string | number | boolean>

/** Flat key → string, integer, finite number or boolean, as Tora stores `[{key, value}]`. */
export function checkHyperparams(hyperparams: unknown): Hyperparams {
  if (hyperparams === null || typeof hyperparams !== 'object' || Array.isArray(hyperparams)) {
    throw new TallyError('invalid_config', `hyperparams must be a plain object such as { lr: 0.001 }; got ${describe(hyperparams)}`)
  }
  const out: Hyperparams = {}
  for (const [key, value] of Object.entries(hyperparams)) {
    if (key.length === 0 || codePoints(key) > TORA_LIMITS.hyperparamKey) {
      throw new TallyError('invalid_config', `hyperparameter names are 1 to ${TORA_LIMITS.hyperparamKey} characters; got ${describe(key)}`)
    }
    const ok =
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && codePoints(value) <= TORA_LIMITS.hyperparamString)
    if (!ok) {
      throw new TallyError(
        'invalid_config',
        `hyperparameter "${key}" must be a finite number, a boolean or a string of at most ${TORA_LIMITS.hyperparamString} characters; got ${describe(value)}`,
      )
    }
    out[key] = value as string | number | boolean
  }
  return out
}

/** Tora's tag characters: none of `< > : " / \\ | ? * , ;` or a control character. */
const FORBIDDEN_TAG_CHARS = /[<>:"/\\|?*,;]/

/**
 * At most 50 tags, counted before duplicates go, each stripped and 1–50 characters without
 * `< > : " / \\ | ? * , ;` or control characters; duplicates (ignoring case) dropped.
 */
export function checkToraTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw new TallyError('invalid_tags', `tags must be an array of strings; got ${describe(tags)}`)
  if (tags.length > TORA_LIMITS.tags)
    throw new TallyError('invalid_tags', `an experiment may have at most ${TORA_LIMITS.tags} tags; got ${tags.length}`)
  const seen = new Set<string>()
  const out: string[] = []
  for (const raw of tags) {
    const tag = typeof raw === 'string' ? raw.trim() : raw
    if (typeof tag !== 'string' || tag.length === 0 || codePoints(tag) > TORA_LIMITS.tag) {
      throw new TallyError(
        'invalid_tags',
        `each tag must be a non-empty string of at most ${TORA_LIMITS.tag} characters; got ${describe(raw)}`,
      )
    }
    if (FORBIDDEN_TAG_CHARS.test(tag) || hasControl(tag)) {
      throw new TallyError(
        'invalid_tags',
        `tag ${describe(tag)} holds a character Tora forbids (< > : " / \\ | ? * , ; or a control character); use '-' or '_', or split it into separate tags`,
      )
    }
    const folded = tag.toLowerCase()
    if (seen.has(folded)) continue
    seen.add(folded)
    out.push(tag)
  }
  return out
}

export function checkMetricName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim() : raw
  if (typeof name !== 'string' || !METRIC_NAME.test(name) || name.length > TORA_LIMITS.metricName) {
    throw new TallyError(
      'invalid_key',
      `metric names are 1 to ${TORA_LIMITS.metricName} characters of A-Z, a-z, 0-9, '_', '-', '.' and '/'; got ${describe(name)}`,
    )
  }
  return name
}

/** A finite number; a boolean counts as 0 or 1, as in Python. */
export function checkMetricValue(name: string, value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TallyError(
      'invalid_value',
      `the value of "${name}" must be a finite number (Tora refuses NaN and ±Infinity); got ${describe(value)}`,
    )
  }
  return value
}

export function checkToraStep(step: unknown): number | undefined {
  return step === undefined || step === null ? undefined : checkStep(step)
}

/** A plain JSON object of at most 10,000 characters as `json.dumps` writes it (Tora's rule), and within the core's 10 KB. */
export function checkToraMetadata(metadata: unknown): { [key: string]: JsonValue } | undefined {
  if (metadata === undefined || metadata === null) return undefined
  const checked = checkMetadata(metadata)
  const chars = pythonJsonLength(checked)
  if (chars > TORA_LIMITS.metadata) {
    throw new TallyError(
      'invalid_metadata',
      `metadata is ${chars} characters as JSON; Tora's limit is ${TORA_LIMITS.metadata} (10 KB): log less, or store it as a run file`,
    )
  }
  return checked
}

export function checkMaxBufferLen(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new TallyError('invalid_argument', `maxBufferLen must be an integer ≥ 1 (1 sends every metric at once); got ${describe(n)}`)
  }
  return n
}

/**
 * The length of `json.dumps(value)` with Python's defaults: `", "` and `": "` between items,
 * every non-ASCII UTF-16 unit written as `\\uXXXX`. Numbers are measured as JavaScript
 * writes them, which differs from Python only in rare exponent forms.
 */
export function pythonJsonLength(value: JsonValue): number {
  if (value === null) return 4
  if (typeof value === 'boolean') return value ? 4 : 5
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).length : value > 0 ? 8 : value < 0 ? 9 : 3
  if (typeof value === 'string') return pythonStringLength(value)
  if (Array.isArray(value)) return 2 + Math.max(0, value.length - 1) * 2 + value.reduce<number>((n, v) => n + pythonJsonLength(v), 0)
  const entries = Object.entries(value)
  let n = 2 + Math.max(0, entries.length - 1) * 2
  for (const [k, v] of entries) n += pythonStringLength(k) + 2 + pythonJsonLength(v)
  return n
}

function pythonStringLength(s: string): number {
  let n = 2
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x0c || c === 0x0a || c === 0x0d || c === 0x09) n += 2
    else if (c < 0x20 || c > 0x7e) n += 6
    else n += 1
  }
  return n
}
