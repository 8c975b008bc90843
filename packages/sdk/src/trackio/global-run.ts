/**
 * Trackio's module-level API over the core: one current run, started by `init`, each `log`
 * one step further unless a step is given.
 */
import { TallyError } from '../errors.js'
import { type InitOptions, type ResumeMode, Run } from '../run.js'
import type { RichValue } from '../values/rich.js'

export interface TrackioInitOptions extends Omit<InitOptions, 'project' | 'name' | 'config' | 'group' | 'resume' | 'serverUrl'> {
  /** Groups runs together. Required, as in Trackio. */
  project: string
  /** Display name; generated when absent. */
  name?: string
  /** Hyperparameters saved with the run. */
  config?: Record<string, unknown>
  /** Group label in the dashboard. */
  group?: string
  /** `never` (default), `allow` (resume the run of this name, or create it) or `must` (resume it or throw). */
  resume?: ResumeMode
  /** A Tally server (`tally serve`) to log to, where Trackio takes a Space; default: local. */
  serverUrl?: string
}

let current: Run | undefined

const active = (): Run | undefined => (current !== undefined && !current.finished ? current : undefined)

/**
 * Start a run in `project` (or resume one) and make it the current run.
 *
 * @example
 * import * as trackio from '@tally/sdk/trackio'
 * trackio.init({ project: 'my-project', name: 'run-1', config: { lr: 1e-4 } })
 * trackio.log({ loss: 0.5 })
 * await trackio.finish()
 */
export function init(options: TrackioInitOptions): Run {
  if (options === null || typeof options !== 'object' || typeof options.project !== 'string') {
    throw new TallyError('invalid_argument', "trackio.init needs a project: init({ project: 'my-project' })")
  }
  current = new Run(options)
  return current
}

/**
 * Log metrics (numbers or rich values) at the next step, or at `step`.
 *
 * @example
 * trackio.log({ train_loss: 0.45, val_loss: 0.39 })
 * trackio.log({ loss: 0.1 }, 100)
 */
export function log(metrics: Record<string, number | RichValue>, step?: number): void {
  const run = active()
  if (!run) throw new TallyError('no_active_run', "trackio.log needs a run: call trackio.init({ project: '…' }) first")
  run.log(metrics, step === undefined ? undefined : { step })
}

/**
 * Finish the current run: everything logged is in the spool (and, in remote mode, on the
 * server) when it resolves. Does nothing when there is no run.
 *
 * @example
 * await trackio.finish()
 */
export async function finish(): Promise<void> {
  const run = active()
  current = undefined
  await run?.finish()
}

/** The current run, or undefined before `init` and after `finish`. */
export function currentRun(): Run | undefined {
  return active()
}
