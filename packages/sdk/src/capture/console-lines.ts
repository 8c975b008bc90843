/**
 * Console output split into lines: a write is cut at each newline, a partial line waits
 * for its newline (or for `flush`), and a line longer than `MAX_LINE_CHARS` is cut there
 * and marked truncated, the rest of it dropped up to its newline.
 */

export type ConsoleStream = 'stdout' | 'stderr'

/** One line of a run's console output, as the spool and the API carry it. */
export interface ConsoleLine {
  stream: ConsoleStream
  /** When the line was written (its first part, for a line written in pieces), ms since the epoch. */
  at: number
  /** Without its newline. */
  text: string
  /** Present when the line was longer than `MAX_LINE_CHARS` and cut. */
  truncated?: true
}

/** 16 Ki characters: long enough for any log line, short of a minified blob printed by accident. */
export const MAX_LINE_CHARS = 16 * 1024

interface Partial {
  text: string
  at: number
  /** The line was cut already: the rest of it, up to its newline, is dropped. */
  cut: boolean
}

export class ConsoleLines {
  /** Complete lines not yet taken. */
  private lines: ConsoleLine[] = []
  private readonly partial: Record<ConsoleStream, Partial | undefined> = { stdout: undefined, stderr: undefined }

  get pending(): number {
    return this.lines.length
  }

  write(stream: ConsoleStream, text: string, at: number): void {
    let start = 0
    for (;;) {
      const nl = text.indexOf('\n', start)
      if (nl < 0) {
        if (start < text.length) this.append(stream, text.slice(start), at)
        return
      }
      this.append(stream, text.slice(start, nl), at)
      this.end(stream)
      start = nl + 1
    }
  }

  /** Complete lines, and with `partial` also each stream's unfinished line, in the order written. */
  take(partial = false): ConsoleLine[] {
    if (partial) {
      this.end('stdout')
      this.end('stderr')
    }
    const out = this.lines
    this.lines = []
    return out
  }

  private append(stream: ConsoleStream, piece: string, at: number): void {
    const p = this.partial[stream] ?? { text: '', at, cut: false }
    this.partial[stream] = p
    if (p.cut) return
    p.text += piece
    if (p.text.length > MAX_LINE_CHARS) {
      this.lines.push({ stream, at: p.at, text: p.text.slice(0, MAX_LINE_CHARS), truncated: true })
      p.cut = true
    }
  }

  private end(stream: ConsoleStream): void {
    const p = this.partial[stream]
    this.partial[stream] = undefined
    if (p === undefined) {
      return
    }
    if (p.cut) return
    // A CRLF line ending is one newline.
    const text = p.text.endsWith('\r') ? p.text.slice(0, -1) : p.text
    this.lines.push({ stream, at: p.at, text })
  }
}
