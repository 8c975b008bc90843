import { TallyError } from './errors.js'
import type { JsonValue } from './json.js'
import { type FinishOptions, type InitOptions, type LogOptions, Run } from './run.js'
import type { RichValue } from './values/rich.js'

let current: Run | undefined

/**
 * Start a run (or resume one) and make it the current run for the module-level functions.
 *
 * @example
 * import * as tally from '@tally/sdk'
 * const run = tally.init({ project: 'mnist', name: 'baseline', config: { lr: 1e-3 } })
 * run.log({ loss: 0.5 })
 * await run.finish()
 */
export function init(options: InitOptions = {}): Run {
  current = new Run(options)
  return current
}

/** The current run, or undefined before `init` and after `finish`. */
export function currentRun(): Run | undefined {
  return current && !current.finished ? current : undefined
}

function need(what: string): Run {
  const run = currentRun()
  if (!run) throw new TallyError('no_active_run', `tally.${what} needs a run: call tally.init({ project: '…' }) first`)
  return run
}

/**
 * Log metrics into the current run.
 *
 * @example
 * tally.log({ loss: 0.1, acc: 0.9 })
 */
export function log(metrics: Record<string, number | RichValue>, options?: LogOptions): void {
  need('log').log(metrics, options)
}

/**
 * Record a result (e.g. test accuracy) on the current run.
 *
 * @example
 * tally.result('test_acc', 0.97)
 */
export function result(key: string, value: number): void {
  need('result').result(key, value)
}

/**
 * Resolve when everything logged into the current run is in the spool.
 *
 * @example
 * await tally.flush()
 */
export async function flush(): Promise<void> {
  await need('flush').flush()
}

/**
 * Finish the current run. Does nothing when there is none.
 *
 * @example
 * await tally.finish()
 */
export async function finish(options?: FinishOptions): Promise<void> {
  const run = currentRun()
  if (run) await run.finish(options)
}

type Recording = Record<string, JsonValue> & { update(values: Record<string, unknown>): void }

function forward(what: 'config' | 'summary'): Recording {
  return new Proxy({} as Recording, {
    get: (_t, prop) => Reflect.get(need(what)[what], prop),
    set: (_t, prop, value) => Reflect.set(need(what)[what], prop, value),
    has: (_t, prop) => Reflect.has(need(what)[what], prop),
    ownKeys: () => Reflect.ownKeys(need(what)[what]),
    getOwnPropertyDescriptor: (_t, prop) => {
      const d = Reflect.getOwnPropertyDescriptor(need(what)[what], prop)
      return d ? { ...d, configurable: true } : undefined
    },
  })
}

/**
 * The current run's config, as in wandb: `tally.config.lr = 0.1`, `tally.config.update({...})`.
 *
 * @example
 * tally.config.update({ batch_size: 64 })
 */
export const config: Recording = forward('config')

/**
 * The current run's explicit summary: `tally.summary.best_acc = 0.98`.
 *
 * @example
 * tally.summary.best_acc = 0.98
 */
export const summary: Recording = forward('summary')
