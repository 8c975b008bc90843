import type { Run } from './run.js'

/**
 * Process-wide hooks that keep the promise "nothing logged is lost" when a script ends
 * without `finish()`: on a normal exit, an uncaught exception, SIGINT or SIGTERM, every open
 * run is flushed and marked (finished, or failed with the reason). A SIGKILL cannot be
 * caught; such a run reads as crashed once its heartbeat is stale.
 */
const active = new Set<Run>()
let installed = false
let failure: string | undefined

export function track(run: Run): void {
  active.add(run)
  if (!installed) install()
}

export function untrack(run: Run): void {
  active.delete(run)
}

/** The runs not yet finished, oldest first. */
export function activeRuns(): Run[] {
  return [...active]
}

function finishAll(status: 'finished' | 'failed', error?: string, exitCode?: number): void {
  for (const run of [...active]) {
    const options: { status: 'finished' | 'failed'; error?: string; exitCode?: number } = { status }
    if (error !== undefined) options.error = error
    if (exitCode !== undefined) options.exitCode = exitCode
    run.finishSync(options)
  }
}

function onSignal(signal: NodeJS.Signals): void {
  finishAll('failed', `interrupted by ${signal}`)
  // Another listener (the user's own handler) decides what happens next; otherwise do what
  // Node would have done without us: die of the signal.
  if (process.listenerCount(signal) > 1) return
  process.removeListener(signal, onSignal)
  process.kill(process.pid, signal)
}

function install(): void {
  installed = true
  // The monitor sees the exception without changing Node's behaviour (print and exit 1).
  process.on('uncaughtExceptionMonitor', (error) => {
    failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    finishAll('failed', failure, 1)
  })
  process.on('exit', (code) => {
    if (code === 0 && failure === undefined) finishAll('finished')
    else finishAll('failed', failure ?? `process exited with code ${code}`, code)
  })
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
