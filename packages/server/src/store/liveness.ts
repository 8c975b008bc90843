/**
 * Whether a run's writers are alive. A run stored as `running` none of whose writers is
 * alive reads as `crashed`: a process killed with SIGKILL never writes its status.
 */
import { hostname as osHostname } from 'node:os'

/** Options every backend takes. */
export interface LivenessOptions {
  /** A writer silent for longer than this is presumed dead. Default 30 s. */
  staleAfterMs?: number
  /** The clock, for tests. Default Date.now. */
  now?: () => number
  /** This machine's name: writers on it are also checked by pid. Default os.hostname(). */
  hostname?: string
}

/** What a writer row tells of its liveness; SQLite stores `closed` as 0 or 1. */
export interface WriterLiveness {
  host: string
  pid: number
  last_seen_at: number
  closed: number | boolean
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

export class Liveness {
  private readonly now: () => number
  private readonly staleAfterMs: number
  private readonly hostname: string

  constructor(options: LivenessOptions) {
    this.staleAfterMs = options.staleAfterMs ?? 30_000
    this.now = options.now ?? Date.now
    this.hostname = options.hostname ?? osHostname()
  }

  /** Not closed, heard from lately, and, when on this machine, its process still there. */
  alive(w: WriterLiveness, now: number): boolean {
    if (w.closed || w.last_seen_at < now - this.staleAfterMs) return false
    return w.host !== this.hostname || pidAlive(w.pid)
  }

  /** Whether a running run with these writers reads as crashed. */
  dead(writers: readonly WriterLiveness[]): boolean {
    const now = this.now()
    return !writers.some((w) => this.alive(w, now))
  }

  /** Of the runs these writers (of running runs) write, those none of whose writers is alive. */
  crashedRuns(writers: Iterable<WriterLiveness & { run_id: string }>): string[] {
    const now = this.now()
    const running = new Set<string>()
    const alive = new Set<string>()
    for (const w of writers) {
      running.add(w.run_id)
      if (this.alive(w, now)) alive.add(w.run_id)
    }
    return [...running].filter((id) => !alive.has(id))
  }
}
