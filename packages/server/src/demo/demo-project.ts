/**
 * The demo project `npm start` shows: runs that trained over the last hours (written as the
 * SDK would have spooled them, with their real-looking times), and one that is still
 * training, logged live by `live-run.ts` through the SDK.
 */
import { hostname } from 'node:os'
import { newRunId, newWriterId, type PointsBatch, type SpoolEvent, SpoolWriter, writeRunIndex } from '@tally/sdk/spool'
import { DemoConsole, demoGit } from './demo-console.js'
import { demoValues } from './demo-values.js'
import { simulate, type TrainingSetup } from './simulated-training.js'

export const DEMO_PROJECT = 'demo'

type Ending = { status: 'finished' } | { status: 'failed'; atStep: number; error: string } | { status: 'crashed'; atStep: number }

interface PastRun {
  setup: TrainingSetup
  /** When it started, hours before now, and how long its planned steps took, minutes. */
  hoursAgo: number
  minutes: number
  ending: Ending
}

const base = { weight_decay: 0, epochs: 10 }
const setup = (s: Omit<TrainingSetup, 'steps' | 'noise' | 'spikes'> & Partial<TrainingSetup>): TrainingSetup => ({
  steps: 2000,
  noise: 0,
  spikes: 0,
  ...s,
})

/** The runs that already ended, oldest first. */
export const PAST_RUNS: readonly PastRun[] = [
  {
    setup: setup({
      name: 'baseline',
      group: 'adam',
      tags: ['demo', 'adam'],
      config: { ...base, lr: 1e-3, batch_size: 64, optimizer: 'adam', seed: 1 },
      speed: 1,
      floor: 0.08,
    }),
    hoursAgo: 7.5,
    minutes: 42,
    ending: { status: 'finished' },
  },
  {
    setup: setup({
      name: 'high-lr',
      group: 'adam',
      tags: ['demo', 'adam'],
      config: { ...base, lr: 1e-2, batch_size: 64, optimizer: 'adam', seed: 2 },
      speed: 1.5,
      floor: 0.16,
      noise: 0.05,
      spikes: 0.003,
      overfitFrom: 0.55,
    }),
    hoursAgo: 6.9,
    minutes: 41,
    ending: { status: 'finished' },
  },
  {
    setup: setup({
      name: 'sgd-momentum',
      group: 'sgd',
      tags: ['demo', 'sgd'],
      config: { ...base, lr: 5e-2, batch_size: 128, optimizer: 'sgd', seed: 3 },
      speed: 0.8,
      floor: 0.1,
    }),
    hoursAgo: 6.2,
    minutes: 55,
    ending: { status: 'finished' },
  },
  {
    setup: setup({
      name: 'big-batch',
      group: 'adamw',
      tags: ['demo', 'adamw'],
      config: { ...base, lr: 2e-3, batch_size: 512, optimizer: 'adamw', weight_decay: 0.05, seed: 4 },
      speed: 1.1,
      floor: 0.09,
    }),
    hoursAgo: 5.1,
    minutes: 38,
    ending: {
      status: 'failed',
      atStep: 1240,
      error: 'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 23.65 GiB total capacity)',
    },
  },
  {
    setup: setup({
      name: 'wd-0.01',
      group: 'weight-decay',
      tags: ['demo', 'adamw', 'sweep'],
      config: { ...base, lr: 3e-3, batch_size: 128, optimizer: 'adamw', weight_decay: 0.01, seed: 5 },
      speed: 1.2,
      floor: 0.07,
      overfitFrom: 0.7,
    }),
    hoursAgo: 4.2,
    minutes: 47,
    ending: { status: 'finished' },
  },
  {
    setup: setup({
      name: 'wd-0.1',
      group: 'weight-decay',
      tags: ['demo', 'adamw', 'sweep'],
      config: { ...base, lr: 3e-3, batch_size: 128, optimizer: 'adamw', weight_decay: 0.1, seed: 6 },
      speed: 1.15,
      floor: 0.06,
    }),
    hoursAgo: 4.1,
    minutes: 48,
    ending: { status: 'finished' },
  },
  {
    setup: setup({
      name: 'no-augment',
      group: 'adam',
      tags: ['demo', 'adam', 'ablation'],
      config: { ...base, lr: 1e-3, batch_size: 64, optimizer: 'adam', seed: 7 },
      speed: 1.3,
      floor: 0.05,
      overfitFrom: 0.25,
    }),
    hoursAgo: 2.3,
    minutes: 44,
    ending: { status: 'crashed', atStep: 870 },
  },
]

/** The run `live-run.ts` trains while the demo is open: 10 steps a second for about half an hour. */
export const LIVE_RUN: TrainingSetup = setup({
  name: 'long-cosine',
  group: 'adamw',
  tags: ['demo', 'adamw'],
  config: { ...base, lr: 1e-3, batch_size: 128, optimizer: 'adamw', weight_decay: 0.05, epochs: 100, seed: 8 },
  steps: 20_000,
  speed: 1,
  floor: 0.05,
})

/** What a past run's record is told: its id, name and how it ended. */
export interface DemoRun {
  id: string
  name: string
  status: Ending['status']
}

/** Write the past runs into `dir`'s spool, as their training processes would have. */
export function writePastRuns(dir: string, now = Date.now()): DemoRun[] {
  return PAST_RUNS.map((past) => writePastRun(dir, past, now))
}

function writePastRun(dir: string, past: PastRun, now: number): DemoRun {
  const { setup } = past
  const id = newRunId()
  const start = Math.round(now - past.hoursAgo * 3_600_000)
  const msPerStep = (past.minutes * 60_000) / setup.steps
  const lastStep = past.ending.status === 'finished' ? setup.steps - 1 : past.ending.atStep
  const end = Math.round(start + (lastStep + 1) * msPerStep)
  const writerId = newWriterId()
  writeRunIndex(dir, { id, project: DEMO_PROJECT, name: setup.name, createdAt: start })
  const writer = new SpoolWriter(dir, id, writerId)
  const runtime = `node/${process.versions.node} tally-demo/0.1.0`
  writer.event({
    type: 'run',
    at: start,
    writer: { id: writerId, host: hostname(), pid: process.pid, runtime, startedAt: start },
    id,
    project: DEMO_PROJECT,
    name: setup.name,
    group: setup.group,
    tags: setup.tags,
    description: null,
    config: setup.config,
    createdAt: start,
    resumed: false,
    resume: 'never',
    system: {
      host: hostname(),
      platform: process.platform,
      arch: process.arch,
      runtime,
      git: demoGit(setup.config.seed, setup.name === 'no-augment'),
      demo: true,
    },
  })
  const printed = new DemoConsole(setup.name, setup.steps, setup.config.epochs)
  printed.start(start, setup.config.batch_size)
  const step = simulate(setup)
  const rows = new RowBatch()
  let last: Record<string, number> = {}
  for (let s = 0; s <= lastStep; s++) {
    last = step(s)
    rows.add(s, Math.round(start + (s + 1) * msPerStep), last)
    printed.step(Math.round(start + (s + 1) * msPerStep), s, last)
    if (rows.size === 500) writer.points(rows.take())
  }
  if (rows.size > 0) writer.points(rows.take())
  if (past.ending.status === 'failed') printed.traceback(end, past.ending.error)
  const timeOf = (s: number): number => Math.round(start + (s + 1) * msPerStep)
  const events: SpoolEvent[] = [
    { type: 'console', at: end, lines: printed.lines },
    ...demoValues(setup, lastStep, past.ending.status === 'finished', timeOf),
  ]
  if (past.ending.status === 'finished') {
    const acc = last['train/acc'] ?? 0.9
    events.push({ type: 'result', at: end, key: 'test_acc', value: Math.round((acc - 0.01) * 1e4) / 1e4 })
    events.push({ type: 'status', at: end, status: 'finished', exitCode: 0 })
  } else if (past.ending.status === 'failed') {
    events.push({ type: 'status', at: end, status: 'failed', error: past.ending.error, exitCode: 1 })
  }
  // A crashed run just stops: its process was killed before it could say so.
  for (const e of events) writer.event(e)
  writer.commit()
  writer.close()
  return { id, name: setup.name, status: past.ending.status }
}

/** Logged rows packed column-wise, as the SDK's spool records carry them. */
class RowBatch {
  private steps: number[] = []
  private times: number[] = []
  private counts: number[] = []
  private keyIndex: number[] = []
  private values: number[] = []
  private keys: string[] = []
  private ids = new Map<string, number>()

  get size(): number {
    return this.steps.length
  }

  add(step: number, time: number, metrics: Record<string, number>): void {
    this.steps.push(step)
    this.times.push(time)
    let n = 0
    for (const [key, value] of Object.entries(metrics)) {
      let k = this.ids.get(key)
      if (k === undefined) {
        k = this.keys.push(key) - 1
        this.ids.set(key, k)
      }
      this.keyIndex.push(k)
      this.values.push(value)
      n++
    }
    this.counts.push(n)
  }

  take(): PointsBatch {
    const batch: PointsBatch = {
      keys: this.keys,
      steps: Float64Array.from(this.steps),
      times: Float64Array.from(this.times),
      counts: Uint32Array.from(this.counts),
      keyIndex: Uint32Array.from(this.keyIndex),
      values: Float64Array.from(this.values),
    }
    this.steps = []
    this.times = []
    this.counts = []
    this.keyIndex = []
    this.values = []
    this.keys = []
    this.ids = new Map()
    return batch
  }
}
