/**
 * The demo's run that is still training: a child process of `npm start` that logs through
 * the SDK, as a training script would, twenty steps a second until its schedule ends. It
 * stops (marking the run failed) when the demo stops: on SIGINT or SIGTERM, as any script
 * logging with Tally, or when the demo that started it goes away.
 */
import { init } from '@tally/sdk'
import { DEMO_PROJECT, LIVE_RUN } from './demo-project.js'
import { HISTOGRAM_EVERY, note, weights } from './demo-values.js'
import { simulate } from './simulated-training.js'

const STEPS_PER_SECOND = 20

const run = init({
  project: DEMO_PROJECT,
  name: LIVE_RUN.name,
  group: LIVE_RUN.group,
  tags: LIVE_RUN.tags,
  config: LIVE_RUN.config,
  // The demo simulates its system/* series (a GPU it does not have); real samples would mix in.
  capture: { system: false },
  ...(process.env.TALLY_DIR !== undefined && { dir: process.env.TALLY_DIR }),
})
process.stdout.write(`live run ${run.id}\n`)

const metrics = simulate(LIVE_RUN)
let step = 0
const timer = setInterval(() => {
  const m = metrics(step)
  run.log(m, { step })
  // Rich values go through the SDK as a script logs them: a note first, weights every 500 steps.
  if (step === 0) run.log({ notes: note(LIVE_RUN) }, { step })
  if (step % HISTOGRAM_EVERY === 0) run.log({ 'weights/fc1': weights(LIVE_RUN, step) }, { step })
  step++
  // A progress line every 2 s, as a training script prints one.
  if (step % (2 * STEPS_PER_SECOND) === 0) {
    process.stdout.write(`step ${step}/${LIVE_RUN.steps}  loss ${m['train/loss']?.toFixed(4)}  acc ${m['train/acc']?.toFixed(4)}\n`)
  }
  if (step === LIVE_RUN.steps) {
    clearInterval(timer)
    run.result('test_acc', 0.95)
    void run.finish()
  }
}, 1000 / STEPS_PER_SECOND)

// Started by the demo with an IPC channel: the channel closes when the demo exits, however it exits.
if (process.send !== undefined) {
  process.on('disconnect', () => {
    clearInterval(timer)
    void run.finish({ status: 'failed', error: 'stopped with the demo' }).then(() => process.exit(0))
  })
}
