/** A run's `system.git` (written by the SDK at init) as the run page shows it; anything else reads as absent. */
import type { JsonValue } from '../api/runs'

export interface GitView {
  commit: string | null
  /** The first 8 characters of the commit. */
  short: string | null
  branch: string | null
  remote: string | null
  dirty: boolean
  /** The uncommitted changes when the run started (`git diff HEAD`), if kept. */
  diff: string | null
  /** The diff was longer than the SDK keeps, and is cut. */
  diffTruncated: boolean
}

const strOrNull = (v: JsonValue | undefined): string | null => (typeof v === 'string' && v !== '' ? v : null)

export function gitView(git: JsonValue | undefined): GitView | undefined {
  if (git === null || git === undefined || typeof git !== 'object' || Array.isArray(git)) return undefined
  const commit = strOrNull(git.commit)
  const view = {
    commit,
    short: commit?.slice(0, 8) ?? null,
    branch: strOrNull(git.branch),
    remote: strOrNull(git.remote),
    dirty: git.dirty === true,
    diff: strOrNull(git.diff),
    diffTruncated: git.diffTruncated === true,
  }
  return view.commit === null && view.branch === null && view.remote === null ? undefined : view
}
