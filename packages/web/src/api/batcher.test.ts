import { describe, expect, it } from 'vitest'
import { type BatchAnswer, Batcher } from './batcher'

/** A transport that records what it was sent and answers each read with itself doubled, or an error for negatives. */
function doubling() {
  const sent: number[][] = []
  const signals: AbortSignal[] = []
  const send = async (reads: number[], signal: AbortSignal): Promise<BatchAnswer<number>[]> => {
    sent.push(reads)
    signals.push(signal)
    await new Promise((r) => setTimeout(r, 5))
    if (signal.aborted) throw new DOMException('aborted', 'AbortError')
    return reads.map((n) => (n < 0 ? { error: { code: 'not_found', message: `no ${n}` } } : { ok: n * 2 }))
  }
  return { sent, signals, batcher: new Batcher<number, number>(send, 3, (e) => new Error(`${e.code}: ${e.message}`)) }
}

describe('Batcher', () => {
  it('sends the reads of one task together, at most `max` a request, and answers each its own', async () => {
    const { sent, batcher } = doubling()
    const answers = await Promise.all([1, 2, 3, 4].map((n) => batcher.read(n)))
    expect(answers).toEqual([2, 4, 6, 8])
    expect(sent).toEqual([[1, 2, 3], [4]])
    // A later task starts a new batch.
    expect(await batcher.read(5)).toBe(10)
    expect(sent.at(-1)).toEqual([5])
  })

  it('splits a batch so that no request costs more than the server takes', async () => {
    const sent: number[][] = []
    const batcher = new Batcher<number, number>(
      async (reads) => {
        sent.push(reads)
        return reads.map((n) => ({ ok: n }))
      },
      100,
      (e) => new Error(e.message),
      { of: (n) => n, max: 10 },
    )
    expect(await Promise.all([4, 5, 2, 9, 30, 1].map((n) => batcher.read(n)))).toEqual([4, 5, 2, 9, 30, 1])
    // A read that alone costs more still goes, by itself.
    expect(sent).toEqual([[4, 5], [2], [9], [30], [1]])
  })

  it('rejects a read with its own error and answers the others', async () => {
    const { batcher } = doubling()
    const [a, b] = await Promise.allSettled([batcher.read(-1), batcher.read(7)])
    expect(a).toMatchObject({ status: 'rejected', reason: new Error('not_found: no -1') })
    expect(b).toEqual({ status: 'fulfilled', value: 14 })
  })

  it('drops a read aborted before sending, and aborts the request only when all its reads are', async () => {
    const { sent, signals, batcher } = doubling()
    const early = new AbortController()
    const dropped = batcher.read(1, early.signal)
    early.abort()
    const kept = batcher.read(2)
    await expect(dropped).rejects.toMatchObject({ name: 'AbortError' })
    expect(await kept).toBe(4)
    expect(sent).toEqual([[2]])

    const [x, y] = [new AbortController(), new AbortController()]
    const px = batcher.read(3, x.signal)
    const py = batcher.read(4, y.signal)
    await new Promise((r) => setTimeout(r, 1))
    x.abort()
    expect(signals.at(-1)?.aborted).toBe(false)
    y.abort()
    expect(signals.at(-1)?.aborted).toBe(true)
    await expect(px).rejects.toMatchObject({ name: 'AbortError' })
    await expect(py).rejects.toMatchObject({ name: 'AbortError' })
    await expect(batcher.read(1, x.signal)).rejects.toMatchObject({ name: 'AbortError' })
  })
})
