import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Coalescer } from './coalesce'

describe('Coalescer', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('flushes the first change at once and later ones at most once every wait', () => {
    const flushed: string[][] = []
    const c = new Coalescer<string>(
      250,
      (keys) => flushed.push([...keys]),
      () => Date.now(),
    )
    c.add('a')
    vi.advanceTimersByTime(0)
    expect(flushed).toEqual([['a']])
    c.add('a')
    c.add('b')
    c.add('a')
    vi.advanceTimersByTime(100)
    expect(flushed).toHaveLength(1)
    vi.advanceTimersByTime(150)
    expect(flushed).toEqual([['a'], ['a', 'b']])
    // Quiet for longer than the wait: the next change goes at once again.
    vi.advanceTimersByTime(1000)
    c.add('c')
    vi.advanceTimersByTime(0)
    expect(flushed).toEqual([['a'], ['a', 'b'], ['c']])
  })

  it('flushes nothing once disposed', () => {
    const flush = vi.fn()
    const c = new Coalescer<string>(250, flush)
    c.add('a')
    c.dispose()
    c.add('b')
    vi.advanceTimersByTime(1000)
    expect(flush).not.toHaveBeenCalled()
  })
})
