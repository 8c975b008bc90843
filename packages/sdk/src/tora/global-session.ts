/**
 * Tora's module-level API: one global experiment, created by `setup`. Its buffer holds one
 * value by default, so every `tlog` reaches the spool at once, as under Tora.
 */
import { TallyError } from '../errors.js'
import { type CreateExperimentOptions, Tora } from './tora-client.js'

let session: Tora | undefined

const current = (): Tora | undefined => (session !== undefined && !session.isClosed ? session : undefined)

function need(what: string): Tora {
  const client = current()
  if (!client) throw new TallyError('no_active_run', `${what} needs an experiment: call setup('experiment-name') first`)
  return client
}

/**
 * Start the global experiment and return its id. `maxBufferLen` defaults to 1 (each value is
 * sent as it is logged). A second `setup` while one is open is an error, as under Tora:
 * `shutdown()` first.
 *
 * @example
 * import { setup, tlog, shutdown } from '@tally/sdk/tora'
 * setup('mnist-baseline', { hyperparams: { lr: 0.001 } })
 * tlog('loss', 0.5, 0)
 * await shutdown()
 */
export function setup(name: string, options: CreateExperimentOptions = {}): string {
  const open = current()
  if (open) {
    throw new TallyError(
      'invalid_argument',
      `setup(): experiment ${open.experimentId} is already set up; call shutdown() first to start another`,
    )
  }
  session = Tora.createExperiment(name, { ...options, maxBufferLen: options?.maxBufferLen ?? 1 })
  return session.experimentId
}

/**
 * Log a metric into the global experiment.
 *
 * @example
 * tlog('val/acc', 0.91, 10, { split: 'val' })
 */
export function tlog(name: string, value: number, step?: number, metadata?: Record<string, unknown>): void {
  need('tlog()').log(name, value, step, metadata)
}

/**
 * Record a result of the global experiment.
 *
 * @example
 * tresult('test_acc', 0.97)
 */
export function tresult(name: string, value: number): void {
  need('tresult()').result(name, value)
}

/**
 * Send what the global experiment has buffered. Does nothing before `setup`.
 *
 * @example
 * await flush()
 */
export async function flush(): Promise<void> {
  await current()?.flush()
}

/**
 * Flush and finish the global experiment. Does nothing when there is none.
 *
 * @example
 * await shutdown()
 */
export async function shutdown(): Promise<void> {
  const client = session
  session = undefined
  await client?.shutdown()
}

/**
 * Whether `setup` started an experiment that is still open.
 *
 * @example
 * if (!isInitialized()) setup('run')
 */
export function isInitialized(): boolean {
  return current() !== undefined
}

/**
 * The global experiment's id, or null.
 *
 * @example
 * console.log(getExperimentId())
 */
export function getExperimentId(): string | null {
  return current()?.experimentId ?? null
}

/**
 * The global experiment's page, or null.
 *
 * @example
 * console.log(getExperimentUrl())
 */
export function getExperimentUrl(): string | null {
  return current()?.url ?? null
}
