/**
 * Many events, few fetches: ids added are flushed together, at most once every `waitMs`.
 * The first add after a quiet spell flushes at once; adds within `waitMs` of the last flush
 * wait for the rest of it.
 */
export class Coalescer<K> {
  private pending = new Set<K>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private last = Number.NEGATIVE_INFINITY
  private disposed = false

  constructor(
    private readonly waitMs: number,
    private readonly flush: (keys: Set<K>) => void,
    private readonly now: () => number = Date.now,
  ) {}

  add(key: K): void {
    if (this.disposed) return
    this.pending.add(key)
    if (this.timer !== undefined) return
    const wait = Math.max(0, this.last + this.waitMs - this.now())
    this.timer = setTimeout(() => this.fire(), wait)
  }

  dispose(): void {
    this.disposed = true
    clearTimeout(this.timer)
    this.timer = undefined
    this.pending.clear()
  }

  private fire(): void {
    this.timer = undefined
    this.last = this.now()
    const keys = this.pending
    this.pending = new Set()
    if (keys.size > 0) this.flush(keys)
  }
}
