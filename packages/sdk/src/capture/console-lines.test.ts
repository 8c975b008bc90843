import { describe, expect, it } from 'vitest'
import { ConsoleLines, MAX_LINE_CHARS } from './console-lines.js'

describe('ConsoleLines', () => {
  it('splits writes at newlines and keeps empty lines and CRLF endings as one newline', () => {
    const c = new ConsoleLines()
    c.write('stdout', 'epoch 1\n\nepoch 2\r\n', 5)
    expect(c.take()).toEqual([
      { stream: 'stdout', at: 5, text: 'epoch 1' },
      { stream: 'stdout', at: 5, text: '' },
      { stream: 'stdout', at: 5, text: 'epoch 2' },
    ])
    expect(c.take()).toEqual([])
  })

  it('holds a partial line until its newline, stamped with the time of its first piece', () => {
    const c = new ConsoleLines()
    c.write('stdout', 'loss ', 1)
    c.write('stdout', '0.4', 2)
    expect(c.take()).toEqual([])
    c.write('stdout', '1\nnext', 3)
    expect(c.take()).toEqual([{ stream: 'stdout', at: 1, text: 'loss 0.41' }])
    expect(c.take(true)).toEqual([{ stream: 'stdout', at: 3, text: 'next' }])
  })

  it('keeps the two streams apart, each line in the order it was completed', () => {
    const c = new ConsoleLines()
    c.write('stdout', 'a', 1)
    c.write('stderr', 'warn\n', 2)
    c.write('stdout', 'b\n', 3)
    expect(c.take().map((l) => `${l.stream}:${l.text}`)).toEqual(['stderr:warn', 'stdout:ab'])
  })

  it('cuts a line past the limit, marks it truncated and drops the rest up to its newline', () => {
    const c = new ConsoleLines()
    const long = 'x'.repeat(MAX_LINE_CHARS + 10)
    c.write('stderr', long.slice(0, 100), 1)
    c.write('stderr', `${long.slice(100)}tail`, 2)
    c.write('stderr', 'more\nafter\n', 3)
    const lines = c.take()
    expect(lines).toHaveLength(2)
    expect(lines[0]).toEqual({ stream: 'stderr', at: 1, text: 'x'.repeat(MAX_LINE_CHARS), truncated: true })
    expect(lines[1]).toEqual({ stream: 'stderr', at: 3, text: 'after' })
  })
})
