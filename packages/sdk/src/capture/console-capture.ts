/**
 * Console capture: process.stdout.write and process.stderr.write are wrapped on the two
 * stream objects (not their prototype) so every write is still printed, in order, by the
 * original function, and also handed to the run. `restore` puts the originals back, unless
 * someone wrapped them again after us: then ours stays and records nothing.
 *
 * Several runs in one process each wrap, but only the newest capture still active records:
 * a line belongs to one run, never to every run that happens to be open.
 */
import type { ConsoleStream } from './console-lines.js'

type Write = typeof process.stdout.write

export interface ConsoleCapture {
  restore(): void
}

/** Active captures, oldest first; the last one records. */
const stack: object[] = []

export function captureConsole(record: (stream: ConsoleStream, text: string) => void): ConsoleCapture {
  let active = true
  const token = {}
  stack.push(token)
  const wrap = (name: ConsoleStream): (() => void) => {
    const target = process[name]
    const original = target.write
    const wrapper = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
      if (active && stack[stack.length - 1] === token) {
        try {
          record(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
        } catch {
          // Recording must never break printing.
        }
      }
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
    } as Write
    target.write = wrapper
    return () => {
      if (target.write === wrapper) target.write = original
    }
  }
  const undo = [wrap('stdout'), wrap('stderr')]
  return {
    restore() {
      if (!active) return
      active = false
      stack.splice(stack.indexOf(token), 1)
      for (const u of undo) u()
    },
  }
}
