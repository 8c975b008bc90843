/** Tracelet's module-level API: one active experiment, started by `startLogging`. */
import { TallyError } from '../errors.js'
import { Experiment, type ExperimentOptions } from './experiment.js'
import { resolveSettings, type TraceletSettings } from './settings.js'

export interface StartLoggingOptions extends Omit<ExperimentOptions, 'backend' | 'settings'> {
  /** Default: `TRACELET_PROJECT`, else Tally's (`TALLY_PROJECT`, else "default"). */
  project?: string
  /** A name or names. Default: `TRACELET_BACKEND` (comma-separated), else `tally`. */
  backend?: string | string[]
  /** Settings (`trackSystem`, `trackGit`, `trackEnv`, `metricsInterval`, …); `TRACELET_*` fills the rest. */
  config?: TraceletSettings
}

let active: Experiment | undefined

/**
 * Create and start an experiment, which becomes the active one. A second call stops nothing:
 * the new experiment becomes active and the earlier one keeps running until stopped.
 *
 * @example
 * import { startLogging, stopLogging } from '@tally/sdk/tracelet'
 * const exp = startLogging('my_experiment', { project: 'my_project', backend: 'tally' })
 * exp.logParams({ learningRate: 0.01, batchSize: 32 })
 * await stopLogging()
 */
export function startLogging(expName: string | (StartLoggingOptions & { expName: string }), options: StartLoggingOptions = {}): Experiment {
  const opts = typeof expName === 'object' && expName !== null ? expName : options
  const name = typeof expName === 'object' && expName !== null ? expName.expName : expName
  if (opts === null || typeof opts !== 'object') {
    throw new TallyError('invalid_argument', "startLogging(name, options): options is an object such as { project: 'p' }")
  }
  const { project, backends, settings } = resolveSettings({ project: opts.project, backend: opts.backend, config: opts.config })
  const { config: _config, backend: _backend, expName: _name, ...rest } = opts as StartLoggingOptions & { expName?: string }
  const experiment = new Experiment(name, {
    ...rest,
    ...(project !== undefined && { project }),
    backend: backends,
    settings,
  }).start()
  active = experiment
  return experiment
}

/** Stop the active experiment; does nothing when there is none. */
export async function stopLogging(): Promise<void> {
  const experiment = active
  active = undefined
  await experiment?.stop()
}

/** The active experiment, or null. */
export function getActiveExperiment(): Experiment | null {
  return active?.isActive ? active : null
}
