/**
 * Which automatic captures a run does. Each is on unless switched off; an explicit `init`
 * option beats the environment, so a script can insist either way, and the environment
 * (`TALLY_CAPTURE_SYSTEM=0`, `TALLY_CAPTURE=0` for all) switches off what a script leaves to
 * its default without editing it.
 */
import { TallyError } from '../errors.js'
import { describe } from '../validate.js'

export interface CaptureOptions {
  /** System metrics as `system/*` series; `{ intervalMs }` sets the sampling period (≥ 1,000, default 10,000). */
  system?: boolean | { intervalMs?: number }
  /** Commit, branch, remote and dirty flag of the working directory. */
  git?: boolean
  /** Runtime, OS, hardware, package versions and environment variables (secret-looking values redacted). */
  env?: boolean
  /** stdout and stderr lines into the run's console log (still printed). */
  console?: boolean
  /** The command line, and its `--flags` offered as config. */
  argv?: boolean
}

export interface CaptureSettings {
  /** Sampling period in ms, or false. */
  system: number | false
  git: boolean
  env: boolean
  console: boolean
  argv: boolean
}

export const DEFAULT_SYSTEM_INTERVAL_MS = 10_000
/** System samples are stepped by the second, so two samples within one second would collide. */
export const MIN_SYSTEM_INTERVAL_MS = 1000

const NAMES = ['system', 'git', 'env', 'console', 'argv'] as const
type Name = (typeof NAMES)[number]

/**
 * The settings from `init`'s `capture` (and its older `captureConsole`) and the environment.
 * Per capture: the explicit option, else `TALLY_CAPTURE_<NAME>`, else `TALLY_CAPTURE`, else on.
 */
export function captureSettings(
  capture: boolean | CaptureOptions | undefined,
  captureConsole: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
): CaptureSettings {
  if (
    capture !== undefined &&
    typeof capture !== 'boolean' &&
    (capture === null || typeof capture !== 'object' || Array.isArray(capture))
  ) {
    throw new TallyError('invalid_argument', `capture must be a boolean or an object such as { system: false }; got ${describe(capture)}`)
  }
  const explicit: Partial<Record<Name, unknown>> = typeof capture === 'object' ? { ...capture } : {}
  for (const key of Object.keys(explicit)) {
    if (!(NAMES as readonly string[]).includes(key)) {
      throw new TallyError('invalid_argument', `capture has no option "${key}"; the options are ${NAMES.join(', ')}`)
    }
  }
  if (explicit.console === undefined && captureConsole !== undefined) explicit.console = captureConsole
  const all = typeof capture === 'boolean' ? capture : envSwitch(env, 'TALLY_CAPTURE')
  const on = (name: Name): boolean => {
    const v = explicit[name]
    if (v !== undefined && v !== null && typeof v === 'object' && name === 'system') return true
    if (v !== undefined) {
      if (typeof v !== 'boolean') throw new TallyError('invalid_argument', `capture.${name} must be true or false; got ${describe(v)}`)
      return v
    }
    if (typeof capture === 'boolean') return capture
    return envSwitch(env, `TALLY_CAPTURE_${name.toUpperCase()}`) ?? all ?? true
  }
  return {
    system: on('system') ? systemInterval(explicit.system) : false,
    git: on('git'),
    env: on('env'),
    console: on('console'),
    argv: on('argv'),
  }
}

function systemInterval(option: unknown): number {
  if (option === null || typeof option !== 'object') return DEFAULT_SYSTEM_INTERVAL_MS
  const ms = (option as { intervalMs?: unknown }).intervalMs
  if (ms === undefined) return DEFAULT_SYSTEM_INTERVAL_MS
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < MIN_SYSTEM_INTERVAL_MS) {
    throw new TallyError(
      'invalid_argument',
      `capture.system.intervalMs must be a number of milliseconds ≥ ${MIN_SYSTEM_INTERVAL_MS}; got ${describe(ms)}`,
    )
  }
  return ms
}

/** `0`, `false`, `off`, `no` switch off; `1`, `true`, `on`, `yes` on; unset or anything else: no say. */
function envSwitch(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = env[name]?.trim().toLowerCase()
  if (v === '0' || v === 'false' || v === 'off' || v === 'no') return false
  if (v === '1' || v === 'true' || v === 'on' || v === 'yes') return true
  return undefined
}
