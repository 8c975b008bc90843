/**
 * The command line's `--flags` as hyperparameters: `--lr=0.01`, `--epochs 5`, `--amp`,
 * `--no-amp`. Values read as numbers or booleans when they look like one. Single-dash flags
 * and positional arguments are not guessed at: their meaning depends on the program's own
 * parser. A flag whose name looks secret (`--api-key`) has its value redacted, in the flags
 * and in the command line kept with the run.
 */
import type { JsonValue } from '../json.js'
import { looksSecret, REDACTED, stripUrlCredentials } from './environment.js'

const FLAG = /^--([A-Za-z_][\w.-]*)(?:=([\s\S]*))?$/
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

/** Flags of `args` (the arguments after the script), later ones winning; parsing stops at `--`. */
export function parseFlags(args: readonly string[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '--') break
    const m = FLAG.exec(arg)
    if (m === null) continue
    const name = m[1] as string
    let value: JsonValue
    if (m[2] !== undefined) value = typed(m[2])
    else if (i + 1 < args.length && isValue(args[i + 1] as string)) value = typed(args[++i] as string)
    else if (name.startsWith('no-') && name.length > 3) {
      out[name.slice(3)] = false
      continue
    } else value = true
    // A URL's `user:password@` never stays, whatever the flag is called.
    out[name] = looksSecret(name) ? REDACTED : typeof value === 'string' ? stripUrlCredentials(value) : value
  }
  return out
}

/** The next argument is this flag's value unless it is another flag (a negative number is a value). */
function isValue(arg: string): boolean {
  return !arg.startsWith('-') || NUMBER.test(arg)
}

function typed(text: string): JsonValue {
  if (NUMBER.test(text)) return Number(text)
  if (text === 'true') return true
  if (text === 'false') return false
  return text
}

/** `args` with the value of each secret-looking flag replaced by `[redacted]`. */
export function redactArgv(args: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    const m = FLAG.exec(arg)
    if (m === null || !looksSecret(m[1] as string)) {
      out.push(stripUrlCredentials(arg))
      continue
    }
    if (m[2] !== undefined) out.push(`--${m[1]}=${REDACTED}`)
    else {
      out.push(arg)
      if (i + 1 < args.length && isValue(args[i + 1] as string)) {
        out.push(REDACTED)
        i++
      }
    }
  }
  return out
}
