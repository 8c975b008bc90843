/**
 * The demo runs' rich values: a note on what the run tried (markdown), a histogram of a
 * layer's weights every 500 steps, and at the end a table of predictions and a grid of
 * generated "samples" (a PNG made here, so the demo needs no image files). Deterministic per
 * seed, like the metrics.
 */
import { crc32, deflateSync } from 'node:zlib'
import { Histogram, Image, Markdown, type RichValue, Table } from '@tally/sdk'
import type { ValueEvent } from '@tally/sdk/spool'
import { rng, type TrainingSetup } from './simulated-training.js'

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']

/** How often the weights histogram is logged, in steps. */
export const HISTOGRAM_EVERY = 500

/** A valid RGB PNG of `width` × `height` pixels; `pixel` gives each one's [r, g, b]. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1)
    // Each scanline starts with its filter type; 0 is none.
    raw[row] = 0
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y)
      raw[row + 1 + x * 3] = r
      raw[row + 2 + x * 3] = g
      raw[row + 3 + x * 3] = b
    }
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8)
    head.writeUInt32BE(data.length, 0)
    head.write(type, 4, 'latin1')
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
    return Buffer.concat([head, data, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bits per channel
  ihdr[9] = 2 // truecolour RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

/** A 4 × 4 grid of soft coloured blobs, 96 px square: what a generative model's samples look like from afar. */
export function samplesPng(seed: number): Buffer {
  const random = rng(seed * 7919)
  const cells = Array.from({ length: 16 }, () => ({
    hue: [random.uniform(), random.uniform(), random.uniform()],
    cx: 6 + 12 * random.uniform(),
    cy: 6 + 12 * random.uniform(),
  }))
  return encodePng(96, 96, (x, y) => {
    const cell = cells[Math.floor(y / 24) * 4 + Math.floor(x / 24)] as (typeof cells)[number]
    const d = Math.hypot((x % 24) - cell.cx, (y % 24) - cell.cy) / 12
    const fall = Math.max(0, 1 - d)
    const c = (i: number): number => Math.round(40 + 215 * fall * (cell.hue[i] as number))
    return [c(0), c(1), c(2)]
  })
}

function predictions(setup: TrainingSetup, accuracy: number): Table {
  const random = rng(setup.config.seed * 31)
  const rows = Array.from({ length: 24 }, (_, i) => {
    const label = CLASSES[Math.floor(random.uniform() * CLASSES.length)] as string
    const right = random.uniform() < accuracy
    const predicted = right ? label : (CLASSES[Math.floor(random.uniform() * CLASSES.length)] as string)
    const confidence = Math.round((right ? 0.6 + 0.4 * random.uniform() : 0.3 + 0.4 * random.uniform()) * 1000) / 1000
    return [`test_${String(i).padStart(4, '0')}.png`, label, predicted, confidence, predicted === label]
  })
  return new Table({ columns: ['image', 'label', 'predicted', 'confidence', 'correct'], rows })
}

export function weights(setup: TrainingSetup, step: number): Histogram {
  const random = rng(setup.config.seed * 101 + step)
  // Weight decay pulls weights in; training spreads them out as it goes.
  const spread = (0.05 + 0.1 * Math.min(1, step / setup.steps)) / (1 + 10 * setup.config.weight_decay)
  const values = Array.from({ length: 4000 }, () => spread * random.gaussian())
  return new Histogram(values, { bins: 40 })
}

export function note(setup: TrainingSetup): Markdown {
  const c = setup.config
  return new Markdown(
    [
      `## ${setup.name}`,
      '',
      `**${c.optimizer}** at lr \`${c.lr}\`, batch size ${c.batch_size}, weight decay ${c.weight_decay}, ${c.epochs} epochs.`,
      '',
      '- data: CIFAR-10, random crop and flip',
      `- seed: ${c.seed}`,
    ].join('\n'),
  )
}

/**
 * The value events of a run that logged `lastStep + 1` steps, `timeOf(step)` the wall time
 * of each: the note at step 0, weights every 500 steps, and predictions and samples at the
 * end when it got there (`finished`).
 */
export function demoValues(setup: TrainingSetup, lastStep: number, finished: boolean, timeOf: (step: number) => number): ValueEvent[] {
  const events: ValueEvent[] = []
  const add = (step: number, key: string, value: RichValue): void => {
    const event: ValueEvent = { type: 'value', at: timeOf(step), step, key, kind: value.kind, value: value.payload() }
    if (value instanceof Image) event.data = value.bytes.toString('base64')
    events.push(event)
  }
  add(0, 'notes', note(setup))
  for (let s = 0; s <= lastStep; s += HISTOGRAM_EVERY) add(s, 'weights/fc1', weights(setup, s))
  if (finished) {
    add(lastStep, 'eval/predictions', predictions(setup, 1 - setup.floor))
    add(lastStep, 'samples', new Image(samplesPng(setup.config.seed), { caption: `samples at step ${lastStep}` }))
  }
  return events
}
