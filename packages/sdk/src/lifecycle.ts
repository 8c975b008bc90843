import type { Run } from './run.js'

/**
 * Process-wide hooks that keep the promise "nothing logged is lost" when a script ends
 * without `finish()`: when it runs to its end, on process.exit(), an uncaught exception, SIGINT or SIGTERM, every open
 * run is flushed and marked (finished, or failed with the reason). A SIGKILL cannot be
 * caught; such a run reads as crashed once its heartbeat is stale.
 */
const active = new Set<Run>()
/** Facades that hold values of their own (Tora's buffer) hand them to their runs first. */
const drains = new Set<() => void>()
let installed = false
let failure: string | undefined

export function track(run: Run): void {
  active.add(run)
  if (!installed) install()
}

export function untrack(run: Run): void {
  active.delete(run)
}

/**
 * Call `drain` before open runs are ended at the process's end (any of the ways above), so
 * values a facade still holds reach the run. Returns the function that unregisters it.
 */
export function beforeEnd(drain: () => void): () => void {
  drains.add(drain)
  if (!installed) install()
  return () => drains.delete(drain)
}

function drainAll(): void {
  for (const drain of [...drains]) {
    try {
      drain()
    } catch {
      // One facade's failure must not keep the runs from being ended.
    }
  }
}

/** The runs not yet finished, oldest first. */
export function activeRuns(): Run[] {
  return [...active]
}

type EndOptions = { status: 'finished' | 'failed'; error?: string; exitCode?: number }

function endOptions(status: 'finished' | 'failed', error?: string, exitCode?: number): EndOptions {
  const options: EndOptions = { status }
  if (error !== undefined) options.error = error
  if (exitCode !== undefined) options.exitCode = exitCode
  return options
}

/** How a process ending with `code` ends its runs. */
function exitOptions(code: number): EndOptions {
  return code === 0 && failure === undefined
    ? endOptions('finished')
    : endOptions('failed', failure ?? `process exited with code ${code}`, code)
}

function finishAll(status: 'finished' | 'failed', error?: string, exitCode?: number): void {
  drainAll()
  for (const run of [...active]) run.finishSync(endOptions(status, error, exitCode))
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
  // The script ran to its end without finish(): finish the asynchronous way, so a remote run
  // delivers its last records (within its finishTimeoutMs) before the process ends. A failed
  // finish falls back to the synchronous one, which always ends the run, so this runs once.
  process.on('beforeExit', (code) => {
    drainAll()
    for (const run of [...active]) {
      const options = exitOptions(code)
      run.finish(options).catch(() => run.finishSync(options))
    }
  })
  // process.exit() and the rest: nothing can wait here.
  process.on('exit', (code) => {
    drainAll()
    for (const run of [...active]) run.finishSync(exitOptions(code))
  })
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
