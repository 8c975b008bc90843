/**
 * Test helpers for store tests: spool records built by hand, and a brute-force reference
 * of the bucket downsampling. Not part of the build (tsconfig excludes test-*.ts).
 */
import { KIND_EVENT, KIND_POINTS, type RunEvent, type SpoolEvent, type SpoolRecord } from '@tally/sdk/spool'
import type { SeriesBuckets } from './store.js'

export const T0 = 1_700_000_000_000

/** A run event (seq 1 unless told) for run `id` from a writer on host `h1` with pid 1. */
export function runRecord(seq: number, run: Partial<RunEvent> & { id: string }, writer: Partial<RunEvent['writer']> = {}): SpoolRecord {
  const event: RunEvent = {
    type: 'run',
    at: T0,
    writer: { id: 'w', host: 'h1', pid: 1, runtime: 'node/20 test', startedAt: T0, ...writer },
    project: 'p',
    name: run.id,
    group: null,
    tags: [],
    description: null,
    config: {},
    createdAt: T0,
    resumed: false,
    system: {},
    ...run,
  }
  return { seq, kind: KIND_EVENT, event }
}

export function eventRecord(seq: number, event: SpoolEvent): SpoolRecord {
  return { seq, kind: KIND_EVENT, event }
}

/** Points of one key; times default to T0 + step. */
export function seriesRecord(
  seq: number,
  key: string,
  steps: ArrayLike<number>,
  values: ArrayLike<number>,
  times?: ArrayLike<number>,
): SpoolRecord {
  const n = steps.length
  return {
    seq,
    kind: KIND_POINTS,
    points: {
      keys: [key],
      steps: Float64Array.from(steps),
      times: times ? Float64Array.from(times) : Float64Array.from(steps, (s) => T0 + s),
      counts: new Uint32Array(n).fill(1),
      keyIndex: new Uint32Array(n),
      values: Float64Array.from(values),
    },
  }
}

/** Rows of several keys, as `run.log` writes them: `[step, { key: value }]`; times by step or fixed. */
export function rowsRecord(
  seq: number,
  rows: [number, Record<string, number>][],
  time: number | ((step: number) => number) = T0,
): SpoolRecord {
  const keys: string[] = []
  const index = new Map<string, number>()
  const keyIndex: number[] = []
  const values: number[] = []
  const counts: number[] = []
  for (const [, row] of rows) {
    const entries = Object.entries(row)
    counts.push(entries.length)
    for (const [k, v] of entries) {
      let i = index.get(k)
      if (i === undefined) {
        i = keys.length
        keys.push(k)
        index.set(k, i)
      }
      keyIndex.push(i)
      values.push(v)
    }
  }
  return {
    seq,
    kind: KIND_POINTS,
    points: {
      keys,
      steps: Float64Array.from(rows, ([s]) => s),
      times: Float64Array.from(rows, ([s]) => (typeof time === 'number' ? time : time(s))),
      counts: Uint32Array.from(counts),
      keyIndex: Uint32Array.from(keyIndex),
      values: Float64Array.from(values),
    },
  }
}

export interface BruteBucket {
  first: number
  last: number
  min: number
  max: number
  value: number
  count: number
}

/** Buckets of width `w` over [from, to], by the plainest code: the reference for tests. */
export function bruteBuckets(steps: ArrayLike<number>, values: ArrayLike<number>, w: number, from: number, to: number): BruteBucket[] {
  const byBucket = new Map<number, { steps: number[]; values: number[] }>()
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i] as number
    if (s < from || s > to) continue
    const b = Math.floor(s / w)
    const e = byBucket.get(b) ?? { steps: [], values: [] }
    e.steps.push(s)
    e.values.push(values[i] as number)
    byBucket.set(b, e)
  }
  return [...byBucket.keys()]
    .sort((a, b) => a - b)
    .map((b) => {
      const e = byBucket.get(b) as { steps: number[]; values: number[] }
      let first = Number.POSITIVE_INFINITY
      let last = Number.NEGATIVE_INFINITY
      let value = Number.NaN
      let min = Number.NaN
      let max = Number.NaN
      e.steps.forEach((s, i) => {
        const v = e.values[i] as number
        first = Math.min(first, s)
        if (s > last) {
          last = s
          value = v
        }
        if (!Number.isNaN(v)) {
          min = Number.isNaN(min) ? v : Math.min(min, v)
          max = Number.isNaN(max) ? v : Math.max(max, v)
        }
      })
      return { first, last, min, max, value, count: e.steps.length }
    })
}

/** Column-wise buckets as row objects, to compare with `bruteBuckets`. */
export function bucketRows(b: SeriesBuckets['buckets']): BruteBucket[] {
  return Array.from(b.first, (first, i) => ({
    first,
    last: b.last[i] as number,
    min: b.min[i] as number,
    max: b.max[i] as number,
    value: b.value[i] as number,
    count: b.count[i] as number,
  }))
}
