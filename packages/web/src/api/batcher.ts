/**
 * Reads asked for within one task go to the server as one request. A project page of ten
 * charts of 50 runs asks for 500 series as its charts come into view; one request each
 * spent more time on HTTP than on the reads (`node bench/dashboard.mjs live50`).
 *
 * Each read keeps its own promise and abort signal: aborting one drops it from the batch
 * (or ignores its answer, once sent), and the request itself is aborted only when every read
 * in it was.
 */

/** The answer to one read of a batch: its result, or its own error. */
export type BatchAnswer<A> = { ok: A } | { error: { code: string; message: string } }

/** Sends one batch and answers its reads in order. */
export type SendBatch<Q, A> = (reads: Q[], signal: AbortSignal) => Promise<BatchAnswer<A>[]>

interface Pending<Q, A> {
  read: Q
  signal: AbortSignal | undefined
  resolve: (a: A) => void
  reject: (e: unknown) => void
}

const aborted = (): DOMException => new DOMException('The read was aborted.', 'AbortError')

export class Batcher<Q, A> {
  private queue: Pending<Q, A>[] = []
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly send: SendBatch<Q, A>,
    /** The most reads one request holds (the server's limit). */
    private readonly max: number,
    /** Turns a read's error into what its promise rejects with. */
    private readonly fail: (error: { code: string; message: string }) => unknown,
    /** What a read costs the server (the points it asks for), and the most one request may cost. */
    private readonly cost: { of: (read: Q) => number; max: number } = { of: () => 0, max: Number.POSITIVE_INFINITY },
  ) {}

  read(read: Q, signal?: AbortSignal): Promise<A> {
    if (signal?.aborted) return Promise.reject(aborted())
    return new Promise<A>((resolve, reject) => {
      this.queue.push({ read, signal, resolve, reject })
      if (this.queue.length >= this.max) this.flush()
      else this.timer ??= setTimeout(() => this.flush(), 0)
    })
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const taken = this.queue.splice(0)
    const live = taken.filter((p) => {
      if (!p.signal?.aborted) return true
      p.reject(aborted())
      return false
    })
    let batch: Pending<Q, A>[] = []
    let spent = 0
    for (const p of live) {
      const c = this.cost.of(p.read)
      if (batch.length > 0 && (batch.length === this.max || spent + c > this.cost.max)) {
        void this.sendOne(batch)
        batch = []
        spent = 0
      }
      batch.push(p)
      spent += c
    }
    if (batch.length > 0) void this.sendOne(batch)
  }

  private async sendOne(batch: Pending<Q, A>[]): Promise<void> {
    const controller = new AbortController()
    let open = batch.length
    const drop = (p: Pending<Q, A>) => () => {
      p.reject(aborted())
      if (--open === 0) controller.abort()
    }
    const listeners = batch.map((p) => {
      const listener = drop(p)
      p.signal?.addEventListener('abort', listener, { once: true })
      return listener
    })
    try {
      const answers = await this.send(
        batch.map((p) => p.read),
        controller.signal,
      )
      batch.forEach((p, i) => {
        const a = answers[i]
        if (a === undefined) p.reject(this.fail({ code: 'internal', message: 'The server answered fewer reads than were asked.' }))
        else if ('ok' in a) p.resolve(a.ok)
        else p.reject(this.fail(a.error))
      })
    } catch (e) {
      // Promises already rejected by their own abort ignore this.
      for (const p of batch) p.reject(e)
    } finally {
      batch.forEach((p, i) => {
        const listener = listeners[i]
        if (listener) p.signal?.removeEventListener('abort', listener)
      })
    }
  }
}
