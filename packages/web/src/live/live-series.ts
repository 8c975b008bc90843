/**
 * Live points for one chart: what to ask the API for next (a `since` cursor per run × key,
 * kept from the previous answer), and how an answer of new raw points joins the series a
 * chart already holds. A chart loads its history once, bucketed to its pixels; after that
 * only new points are fetched and appended, never the history again.
 */
import type { JsonNumber } from '@tally/sdk/api'
import { numberOf, type RunSeries } from '../charts/bucket-series'

/** A raw series answer (`GET /runs/{id}/series` without `buckets`), as far as a chart reads it. */
export interface SeriesPointsJson {
  run: string
  key: string
  steps: number[]
  times: number[]
  values: JsonNumber[]
  cursor: string
  /** The series was rewritten: the answer is the whole series, to replace what is held. */
  reset: boolean
}

/** How to read what is new: with the cursor of the previous answer, or, before any, from the step after the last held. */
export type NextRead = { since: string } | { from: number }

export function nextRead(cursor: string | undefined, held: RunSeries | undefined): NextRead {
  if (cursor !== undefined) return { since: cursor }
  const last = held?.x[held.x.length - 1]
  return { from: last === undefined ? 0 : last + 1 }
}

const drawable = (v: number): number | null => (Number.isFinite(v) ? v : null)

/** Raw points as a chart series: one point a bucket, the band collapsed onto the line. */
export function rawSeries(answer: Pick<SeriesPointsJson, 'steps' | 'times' | 'values'>): RunSeries {
  const line = answer.values.map((v) => drawable(numberOf(v)))
  return { x: [...answer.steps], line, lo: [...line], hi: [...line], time: [...answer.times], points: line.length, width: 1 }
}

/**
 * `held` with the answer's points after its last step appended (a point at a step already
 * held is dropped: the history is not re-read). A `reset` answer is the whole rewritten
 * series and replaces `held`.
 */
export function appendPoints(held: RunSeries | undefined, answer: SeriesPointsJson): RunSeries {
  if (held === undefined || answer.reset) return rawSeries(answer)
  const last = held.x.length === 0 ? Number.NEGATIVE_INFINITY : (held.x[held.x.length - 1] as number)
  let start = 0
  while (start < answer.steps.length && (answer.steps[start] as number) <= last) start++
  if (start === answer.steps.length) return held
  const added = rawSeries({ steps: answer.steps.slice(start), times: answer.times.slice(start), values: answer.values.slice(start) })
  return {
    x: held.x.concat(added.x),
    line: held.line.concat(added.line),
    lo: held.lo.concat(added.lo),
    hi: held.hi.concat(added.hi),
    time: held.time.concat(added.time),
    points: held.points + added.points,
    width: held.width,
  }
}

/**
 * Appended raw points add one x each; once any run holds more than twice the chart's
 * buckets (about two a pixel), the chart re-reads its history bucketed, once.
 */
export function needsRebucket(series: Iterable<RunSeries>, buckets: number): boolean {
  for (const s of series) if (s.x.length > 2 * buckets) return true
  return false
}
