/** The project stream's `run` events applied to the runs a page holds. */
import type { RunJson } from '@tally/sdk/api'

export type RunEvent = RunJson | { id: string; deleted: true }

export function isDeleted(e: RunEvent): e is { id: string; deleted: true } {
  return 'deleted' in e && e.deleted === true
}

/** `runs` with the event's run replaced, added (new runs first) or removed; the same array when nothing changes. */
export function applyRunEvent(runs: readonly RunJson[], event: RunEvent): readonly RunJson[] {
  const i = runs.findIndex((r) => r.id === event.id)
  if (isDeleted(event)) return i < 0 ? runs : runs.filter((r) => r.id !== event.id)
  if (i < 0) return [event, ...runs]
  const next = runs.slice()
  next[i] = event
  return next
}

/** Wait before reconnect attempt `attempt` (0 first): 1 s, 2 s, 4 s … up to 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt))
}
