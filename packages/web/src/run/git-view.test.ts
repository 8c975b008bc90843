import { describe, expect, it } from 'vitest'
import { gitView } from './git-view'

describe('gitView', () => {
  it('reads the SDK git info with a short hash', () => {
    const commit = '3f9c2a71b0d4e5f60718293a4b5c6d7e8f901234'
    expect(gitView({ commit, branch: 'main', remote: 'https://example.com/a.git', dirty: true })).toEqual({
      commit,
      short: '3f9c2a71',
      branch: 'main',
      remote: 'https://example.com/a.git',
      dirty: true,
      diff: null,
      diffTruncated: false,
    })
  })

  it('reads the uncommitted diff the SDK kept, and whether it was cut', () => {
    const diff = '--- a/train.py\n+++ b/train.py\n@@ -1 +1 @@\n-lr = 0.1\n+lr = 0.01\n'
    expect(gitView({ commit: 'abcdef0123', branch: 'main', remote: null, dirty: true, diff, diffTruncated: true })).toMatchObject({
      diff,
      diffTruncated: true,
    })
  })

  it('takes a detached HEAD and no remote, and reads anything unusable as absent', () => {
    expect(gitView({ commit: 'abcdef0123', branch: null, remote: null, dirty: false })).toMatchObject({
      branch: null,
      remote: null,
      dirty: false,
    })
    expect(gitView(undefined)).toBeUndefined()
    expect(gitView('main')).toBeUndefined()
    expect(gitView({ commit: null, branch: null, remote: null, dirty: true })).toBeUndefined()
  })
})
