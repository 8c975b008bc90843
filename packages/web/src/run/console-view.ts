/**
 * What the run page's console panel holds: lines kept in seq order without duplicates
 * (a poll racing a "load earlier" never shows a line twice), and at most `MAX_HELD` of
 * them, the oldest dropped first while following a live run.
 */
import type { ConsoleLineJson } from '@tally/sdk/api'

/** Lines the panel keeps in the page while following a run. */
export const MAX_HELD = 10_000

/** `held` with `incoming` merged in, in seq order, each seq once, the newest `max` kept. */
export function mergeLines(held: readonly ConsoleLineJson[], incoming: readonly ConsoleLineJson[], max = MAX_HELD): ConsoleLineJson[] {
  if (incoming.length === 0) return held as ConsoleLineJson[]
  const last = held[held.length - 1]?.seq ?? 0
  const first = held[0]?.seq ?? Number.POSITIVE_INFINITY
  let merged: ConsoleLineJson[]
  if (incoming.every((l) => l.seq > last)) merged = [...held, ...incoming]
  else if (incoming.every((l) => l.seq < first)) merged = [...incoming, ...held]
  else {
    const bySeq = new Map<number, ConsoleLineJson>()
    for (const l of held) bySeq.set(l.seq, l)
    for (const l of incoming) bySeq.set(l.seq, l)
    merged = [...bySeq.values()].sort((a, b) => a.seq - b.seq)
  }
  return merged.length > max ? merged.slice(merged.length - max) : merged
}

/** Whether the run has lines before the first one held (seqs start at 1 and have no gaps). */
export function hasEarlier(held: readonly ConsoleLineJson[]): boolean {
  return (held[0]?.seq ?? 1) > 1
}

/** The seq to poll `after`: the last held, or 0. */
export function lastSeq(held: readonly ConsoleLineJson[]): number {
  return held[held.length - 1]?.seq ?? 0
}
