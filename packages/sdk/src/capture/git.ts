/**
 * The git state of the working directory, read at `init` by running `git` (the SDK has no
 * dependencies). Two short calls; any failure (no git, not a repository, a timeout) leaves
 * the git info out rather than failing `init`.
 */
import { execFileSync } from 'node:child_process'

export interface GitInfo {
  /** Full hash of HEAD; null in a repository without commits. */
  commit: string | null
  /** Null when HEAD is detached. */
  branch: string | null
  /** `origin`'s URL without credentials; null without an `origin`. */
  remote: string | null
  /** Tracked files differ from HEAD (untracked files do not count: listing them is slow in big trees). */
  dirty: boolean
}

const TIMEOUT_MS = 2000

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, timeout: TIMEOUT_MS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true })
}

/** The repository state of `cwd`, or undefined when it is not in a git repository or git cannot run. */
export function gitInfo(cwd: string = process.cwd()): GitInfo | undefined {
  let status: string
  try {
    status = git(cwd, ['status', '--porcelain=v2', '--branch', '--untracked-files=no'])
  } catch {
    return undefined
  }
  const info = parseStatus(status)
  try {
    info.remote = stripCredentials(git(cwd, ['config', '--get', 'remote.origin.url']).trim()) || null
  } catch {
    // No origin: `git config` exits 1.
  }
  return info
}

/** `git status --porcelain=v2 --branch` output into commit, branch and dirty. */
export function parseStatus(text: string): GitInfo {
  const info: GitInfo = { commit: null, branch: null, remote: null, dirty: false }
  for (const line of text.split('\n')) {
    if (line.startsWith('# branch.oid ')) {
      const oid = line.slice('# branch.oid '.length).trim()
      info.commit = /^[0-9a-f]{7,64}$/.test(oid) ? oid : null
    } else if (line.startsWith('# branch.head ')) {
      const head = line.slice('# branch.head '.length).trim()
      info.branch = head === '(detached)' ? null : head
    } else if (line !== '' && !line.startsWith('#')) {
      info.dirty = true
    }
  }
  return info
}

/**
 * A remote URL without `user:pass@` (or a token as user), so a run never stores a secret:
 * `https://user:token@host/x.git` -> `https://host/x.git`. scp-like `git@host:x.git` keeps
 * its user, which is no secret.
 */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1')
}

/** The most of an uncommitted diff a run keeps (characters); past it the diff is cut and marked. */
export const MAX_DIFF_CHARS = 256 * 1024

/**
 * The uncommitted changes to tracked files, `git diff HEAD`: with the commit, the code the
 * run ran. Cut at `MAX_DIFF_CHARS` (`truncated`). Undefined when git fails.
 */
export function gitDiff(cwd: string = process.cwd()): { diff: string; truncated: boolean } | undefined {
  let out: string
  try {
    out = execFileSync('git', ['diff', 'HEAD', '--no-color', '--no-ext-diff'], {
      cwd,
      timeout: TIMEOUT_MS,
      maxBuffer: 8 * MAX_DIFF_CHARS,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    })
  } catch (e) {
    // A diff over the buffer still says what it could read.
    const partial = (e as { stdout?: unknown }).stdout
    if (typeof partial !== 'string' || partial === '') return undefined
    return { diff: partial.replaceAll('\u0000', '').slice(0, MAX_DIFF_CHARS), truncated: true }
  }
  // NUL cannot be stored in a PostgreSQL text column; a text diff has none.
  const text = out.replaceAll('\u0000', '')
  return text.length > MAX_DIFF_CHARS ? { diff: text.slice(0, MAX_DIFF_CHARS), truncated: true } : { diff: text, truncated: false }
}
