/**
 * Many runs written straight into a Store, for tests and benches of the runs table and the
 * runs list route at scale (10,000 runs in a few seconds). Each run is what a short training
 * leaves behind: its run event, a config, a result and a final status, without series, as
 * the table reads only those.
 */
import { hostname } from 'node:os'
import { KIND_EVENT, newRunId, newWriterId, type SpoolEvent, type SpoolRecord } from '@tally/sdk/spool'
import type { Store } from '../store/store.js'

export interface ManyRunsOptions {
  project?: string
  workspace?: string
  /** When the newest run was created (ms); each older one started a second before the next. */
  now?: number
}

export interface ManyRun {
  id: string
  name: string
}

const OPTIMIZERS = ['adam', 'adamw', 'sgd'] as const
const GROUPS = ['sweep-a', 'sweep-b', 'sweep-c', 'ablation', null] as const

/**
 * Write `n` finished runs named `run-00000` … into `store`, oldest first, and return them in
 * that order. Groups, tags and config vary with the index so grouping and sorting have
 * something to show.
 *
 * @example const runs = await writeManyRuns(store, 10_000, { project: 'big' })
 */
export async function writeManyRuns(store: Store, n: number, options: ManyRunsOptions = {}): Promise<ManyRun[]> {
  const project = options.project ?? 'many'
  const now = options.now ?? Date.now()
  const width = Math.max(5, String(n - 1).length)
  const host = hostname()
  const runs: ManyRun[] = []
  for (let i = 0; i < n; i++) {
    const id = newRunId()
    const name = `run-${String(i).padStart(width, '0')}`
    const writerId = newWriterId()
    const createdAt = now - (n - 1 - i) * 1000
    const end = createdAt + 900
    const events: SpoolEvent[] = [
      {
        type: 'run',
        at: createdAt,
        writer: { id: writerId, host, pid: process.pid, runtime: 'node tally-many-runs', startedAt: createdAt },
        id,
        project,
        name,
        group: GROUPS[i % GROUPS.length] ?? null,
        tags: i % 2 === 0 ? ['even', `mod3-${i % 3}`] : [`mod3-${i % 3}`],
        description: null,
        config: { lr: 10 ** -(1 + (i % 4)), optimizer: OPTIMIZERS[i % OPTIMIZERS.length] ?? 'adam', seed: i },
        createdAt,
        resumed: false,
        resume: 'never',
        system: { host, generated: true },
      },
      { type: 'result', at: end, key: 'score', value: (i % 97) / 97 },
      { type: 'status', at: end, status: i % 50 === 7 ? 'failed' : 'finished', exitCode: i % 50 === 7 ? 1 : 0 },
    ]
    const records: SpoolRecord[] = events.map((event, k) => ({ seq: k + 1, kind: KIND_EVENT, event }))
    await store.ingest(writerId, records, options.workspace === undefined ? {} : { workspace: options.workspace })
    runs.push({ id, name })
  }
  return runs
}
