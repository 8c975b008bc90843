/**
 * The `system` info of a run's first event, as the capture settings allow: the command line
 * (secret-looking flag values redacted) and its flags, the git state, the environment.
 */
import type { JsonValue } from '../json.js'
import { parseFlags, redactArgv } from './argv.js'
import type { CaptureSettings } from './capture-options.js'
import { environmentInfo, redactedEnviron } from './environment.js'
import { gitDiff, gitInfo } from './git.js'

export interface CapturedSystem {
  system: { [key: string]: JsonValue }
  /** `--flags` of the command line, offered as config (empty when argv capture is off). */
  flags: { [key: string]: JsonValue }
}

export function capturedSystem(settings: CaptureSettings, base: { [key: string]: JsonValue }): CapturedSystem {
  const system: { [key: string]: JsonValue } = { ...base }
  let flags: { [key: string]: JsonValue } = {}
  if (settings.argv) {
    system.argv = redactArgv(process.argv)
    flags = parseFlags(process.argv.slice(2))
    system.flags = flags
  }
  if (settings.git) {
    const git = gitInfo()
    if (git !== undefined) {
      system.git = { ...git }
      // The uncommitted changes, kept with the run: with the commit, the code it ran.
      const changes = git.dirty ? gitDiff() : undefined
      if (changes !== undefined) system.git = { ...system.git, diff: changes.diff, ...(changes.truncated && { diffTruncated: true }) }
    }
  }
  if (settings.env) {
    system.env = { ...environmentInfo() }
    system.environ = redactedEnviron(process.env)
  }
  return { system, flags }
}
