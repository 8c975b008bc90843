/**
 * `npm start`: log a small demo project into a fresh local store, the way a training script
 * would, then show it with the CLI. The dashboard takes this over in a later release.
 */
import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { init } from '@tally/sdk'
import { runCli } from '../cli/cli.js'

const dir = resolve(process.env.TALLY_DIR ?? '.tally-demo')
rmSync(dir, { recursive: true, force: true })

/** A deterministic pseudo-random generator, so the demo looks the same every time. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

const variants = [
  { name: 'baseline', lr: 1e-3, batch: 64, optimizer: 'adam' },
  { name: 'high-lr', lr: 1e-2, batch: 64, optimizer: 'adam' },
  { name: 'sgd-momentum', lr: 5e-2, batch: 128, optimizer: 'sgd' },
  { name: 'big-batch', lr: 2e-3, batch: 256, optimizer: 'adamw' },
]
const steps = 2000

for (const [i, v] of variants.entries()) {
  const random = rng(i + 1)
  const run = init({
    project: 'demo',
    name: v.name,
    group: v.optimizer,
    tags: ['demo', v.optimizer],
    config: { lr: v.lr, batch_size: v.batch, optimizer: v.optimizer, epochs: 10 },
    dir,
  })
  const speed = 1 + Math.log10(v.lr / 1e-3)
  for (let step = 0; step < steps; step++) {
    const progress = step / steps
    const warmup = Math.min(1, step / 100)
    const lr = v.lr * warmup * 0.5 * (1 + Math.cos(Math.PI * progress))
    const loss = 2.3 * Math.exp(-4 * speed * progress) + 0.05 + 0.08 * (random() - 0.5) + (random() < 0.002 ? 0.8 : 0)
    run.log({ 'train/loss': loss, 'train/lr': lr })
    if (step % 100 === 99) {
      const acc = 0.98 - 0.88 * Math.exp(-5 * speed * progress) - 0.01 * random()
      run.log({ 'val/loss': loss * 1.1, 'val/acc': acc }, { step })
    }
  }
  run.result('test_acc', 0.9 + 0.08 * random())
  await run.finish(i === 3 ? { status: 'failed', error: 'CUDA out of memory (demo)' } : {})
}

const io = { stdout: process.stdout, stderr: process.stderr, env: { ...process.env, TALLY_DIR: dir } }
const show = async (args: string[]): Promise<void> => {
  process.stdout.write(`\n$ tally ${args.join(' ')}\n`)
  const code = await runCli(args, io)
  if (code !== 0) process.exit(code)
}

process.stdout.write(`Logged ${variants.length} demo runs into ${dir}\n`)
await show(['projects'])
await show(['runs', 'demo'])
await show(['runs', 'demo', '--where', 'config.lr > 0.001', '--sort', 'summary.test_acc'])
const baseline = await firstRunId()
if (baseline) await show(['series', baseline, 'train/loss', '--buckets', '10'])
process.stdout.write(`\nTry: TALLY_DIR=${dir} npx tally run <id>   (or --json on any command)\n`)

async function firstRunId(): Promise<string | undefined> {
  let out = ''
  const capture = {
    write: (s: string): boolean => {
      out += s
      return true
    },
  }
  await runCli(['runs', 'demo', '--sort', 'name', '--asc', '--json'], { ...io, stdout: capture })
  return (JSON.parse(out) as { id: string }[])[0]?.id
}
