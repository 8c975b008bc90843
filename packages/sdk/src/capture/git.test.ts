import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { gitInfo, parseStatus, stripCredentials } from './git.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tally-git-'))
  dirs.push(d)
  return d
}
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' }).trim()

describe('gitInfo', () => {
  it('reads commit, branch, remote without credentials, and dirty from a real repository', () => {
    const dir = tempDir()
    git(dir, 'init', '-q', '-b', 'main')
    writeFileSync(join(dir, 'train.py'), 'print(1)\n')
    git(dir, 'add', 'train.py')
    git(dir, 'commit', '-q', '-m', 'first')
    git(dir, 'remote', 'add', 'origin', 'https://alice:s3cret@example.com/team/models.git')
    const commit = git(dir, 'rev-parse', 'HEAD')
    expect(gitInfo(dir)).toEqual({ commit, branch: 'main', remote: 'https://example.com/team/models.git', dirty: false })

    writeFileSync(join(dir, 'train.py'), 'print(2)\n')
    expect(gitInfo(dir)?.dirty).toBe(true)
  })

  it('has a null branch when HEAD is detached and a null remote without origin', () => {
    const dir = tempDir()
    git(dir, 'init', '-q')
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'first')
    git(dir, 'checkout', '-q', '--detach')
    expect(gitInfo(dir)).toMatchObject({ branch: null, remote: null, dirty: false })
  })

  it('is undefined outside a repository', () => {
    expect(gitInfo(tempDir())).toBeUndefined()
  })
})

describe('parseStatus', () => {
  it('has no commit in a repository without one', () => {
    expect(parseStatus('# branch.oid (initial)\n# branch.head main\n')).toEqual({
      commit: null,
      branch: 'main',
      remote: null,
      dirty: false,
    })
  })
})

describe('stripCredentials', () => {
  it('drops user and password or token from URLs and leaves other forms alone', () => {
    expect(stripCredentials('https://user:pass@github.com/a/b.git')).toBe('https://github.com/a/b.git')
    expect(stripCredentials('https://ghp_token@github.com/a/b.git')).toBe('https://github.com/a/b.git')
    expect(stripCredentials('ssh://git@host:22/a/b.git')).toBe('ssh://host:22/a/b.git')
    expect(stripCredentials('git@github.com:a/b.git')).toBe('git@github.com:a/b.git')
    expect(stripCredentials('/srv/repos/b.git')).toBe('/srv/repos/b.git')
  })
})
