/** How long a sender waits before trying a server again (docs/wire-format.md). */

export const BACKOFF_FIRST_MS = 250
export const BACKOFF_MAX_MS = 30_000

/**
 * The wait before retry number `attempt` (0 for the first): 0.25 s doubling to 30 s, each
 * drawn between half and all of that. The jitter spreads out the clients that one server
 * restart cut off together, so they do not all come back in the same millisecond.
 *
 * @example
 * setTimeout(retry, backoffDelay(failures++))
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(attempt, 20))
  return ceiling / 2 + (random() * ceiling) / 2
}
