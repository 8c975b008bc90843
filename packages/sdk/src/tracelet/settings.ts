/**
 * Tracelet's settings as Tally's: `ExperimentConfig` flags and `startLogging`'s config become
 * `init({ capture })`, and the `TRACELET_*` environment fills what the call leaves out.
 * Precedence, per setting: the explicit argument, then the environment, then the default.
 */
import type { CaptureOptions } from '../capture/index.js'
import { TallyError } from '../errors.js'

/** Tracelet's `ExperimentConfig`, camelCased. Flags Tally has no counterpart for are accepted and do nothing. */
export interface ExperimentConfig {
  /** Accepted; explicit `logMetric` calls are always recorded (no framework is instrumented). */
  trackMetrics?: boolean
  /** Runtime, OS, hardware, packages and (redacted) environment variables: `capture.env`. */
  trackEnvironment?: boolean
  /** The command line and its `--flags`: `capture.argv`. */
  trackArgs?: boolean
  /** stdout and stderr into the run's console log: `capture.console`. */
  trackStdout?: boolean
  /** Accepted; checkpoints are logged as artifacts by hand. */
  trackCheckpoints?: boolean
  /** `system/*` series: `capture.system`. */
  trackSystemMetrics?: boolean
  /** Commit, branch, remote and dirty flag: `capture.git`. */
  trackGit?: boolean
  enableAutomagic?: boolean
  automagicFrameworks?: string[]
  enableArtifacts?: boolean
  automagicArtifacts?: boolean
  artifactWatchDirs?: string[]
  watchFilesystem?: boolean
}

/** `startLogging`'s `config`: Tracelet's global settings; other keys are passed to the backends. */
export interface TraceletSettings {
  trackSystem?: boolean
  trackGit?: boolean
  trackEnv?: boolean
  /** System metrics interval in seconds (≥ 1). */
  metricsInterval?: number
  enableAutomagic?: boolean
  automagicFrameworks?: string[]
  enableArtifacts?: boolean
  automagicArtifacts?: boolean
  watchFilesystem?: boolean
  artifactWatchDirs?: string[]
  [backendSetting: string]: unknown
}

const BOOL_ENV = {
  trackSystem: 'TRACELET_TRACK_SYSTEM',
  trackGit: 'TRACELET_TRACK_GIT',
  trackEnv: 'TRACELET_TRACK_ENV',
  enableAutomagic: 'TRACELET_ENABLE_AUTOMAGIC',
  enableArtifacts: 'TRACELET_ENABLE_ARTIFACTS',
  automagicArtifacts: 'TRACELET_AUTOMAGIC_ARTIFACTS',
  watchFilesystem: 'TRACELET_WATCH_FILESYSTEM',
} as const

const LIST_ENV = {
  automagicFrameworks: 'TRACELET_AUTOMAGIC_FRAMEWORKS',
  artifactWatchDirs: 'TRACELET_ARTIFACT_WATCH_DIRS',
} as const

const SETTING_KEYS = new Set<string>([...Object.keys(BOOL_ENV), ...Object.keys(LIST_ENV), 'metricsInterval'])

export interface ResolvedSettings {
  project: string | undefined
  backends: string[]
  settings: TraceletSettings
}

/**
 * The project, backends and settings of `startLogging`, with `TRACELET_*` filling the gaps.
 * `TRACELET_BACKEND` and the list settings are comma-separated.
 */
export function resolveSettings(
  explicit: { project?: string | undefined; backend?: string | string[] | undefined; config?: TraceletSettings | undefined },
  env: NodeJS.ProcessEnv = process.env,
): ResolvedSettings {
  const config = explicit.config ?? {}
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TallyError('invalid_argument', 'startLogging() config is an object of settings, e.g. { trackSystem: false }')
  }
  const settings: TraceletSettings = {}
  // Tracelet's Python spelling (`track_system`, `metrics_interval`) names the same settings.
  for (const [key, value] of Object.entries(config)) {
    const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
    settings[SETTING_KEYS.has(camel) && config[camel] === undefined ? camel : key] = value
  }
  for (const [key, name] of Object.entries(BOOL_ENV)) {
    if (settings[key] === undefined && env[name]) settings[key] = envBool(name, env[name])
  }
  for (const [key, name] of Object.entries(LIST_ENV)) {
    if (settings[key] === undefined && env[name]) settings[key] = envList(env[name])
  }
  if (settings.metricsInterval === undefined && env.TRACELET_METRICS_INTERVAL) {
    const seconds = Number(env.TRACELET_METRICS_INTERVAL)
    if (!(seconds >= 1)) {
      throw new TallyError(
        'invalid_argument',
        `TRACELET_METRICS_INTERVAL=${JSON.stringify(env.TRACELET_METRICS_INTERVAL)} is not a number of seconds ≥ 1: set it to e.g. 10`,
      )
    }
    settings.metricsInterval = seconds
  }
  const backend = explicit.backend ?? (env.TRACELET_BACKEND ? envList(env.TRACELET_BACKEND) : undefined) ?? ['tally']
  const backends = typeof backend === 'string' ? [backend] : backend
  if (!Array.isArray(backends) || backends.length === 0 || backends.some((b) => typeof b !== 'string' || b === '')) {
    throw new TallyError('invalid_argument', `backend is a name or a list of names, e.g. 'tally'; got ${JSON.stringify(backend)}`)
  }
  return { project: explicit.project ?? (env.TRACELET_PROJECT || undefined), backends: [...new Set(backends)], settings }
}

/**
 * The capture switches of `init` from the settings and an `ExperimentConfig`. A switch neither
 * names is left out, so Tally's own default (and `TALLY_CAPTURE_*`) decides it.
 */
export function captureOptions(settings: TraceletSettings, config: ExperimentConfig = {}): CaptureOptions {
  const flag = (name: string, ...values: unknown[]): boolean | undefined => {
    for (const v of values) {
      if (v === undefined) continue
      if (typeof v !== 'boolean') throw new TallyError('invalid_argument', `${name} must be true or false; got ${JSON.stringify(v)}`)
      return v
    }
    return undefined
  }
  const capture: CaptureOptions = {}
  const system = flag('trackSystemMetrics', config.trackSystemMetrics, settings.trackSystem)
  const interval = settings.metricsInterval
  if (interval !== undefined && (typeof interval !== 'number' || !(interval >= 1))) {
    throw new TallyError('invalid_argument', `metricsInterval is a number of seconds ≥ 1; got ${String(interval)}`)
  }
  if (system === false) capture.system = false
  else if (interval !== undefined) capture.system = { intervalMs: Math.round(interval * 1000) }
  else if (system === true) capture.system = true
  const git = flag('trackGit', config.trackGit, settings.trackGit)
  if (git !== undefined) capture.git = git
  const envFlag = flag('trackEnvironment', config.trackEnvironment, settings.trackEnv)
  if (envFlag !== undefined) capture.env = envFlag
  const console = flag('trackStdout', config.trackStdout)
  if (console !== undefined) capture.console = console
  const argv = flag('trackArgs', config.trackArgs)
  if (argv !== undefined) capture.argv = argv
  return capture
}

function envBool(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(v)) return true
  if (['0', 'false', 'no', 'off'].includes(v)) return false
  throw new TallyError('invalid_argument', `${name}=${JSON.stringify(raw)} is not a switch: set it to true or false (or 1 / 0)`)
}

function envList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}
