/**
 * A run started in a repository with uncommitted changes keeps them in `system.git.diff`:
 * exactly `git diff HEAD`, so the commit plus the patch give the code the run ran. A clean
 * tree keeps no diff.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ingestSpool } from '../ingest/ingest-spool.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import { freshDir, script, startNode } from './test-helpers.js'

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' })

const stores: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
})

/** A repository with one commit, and a run started in it by a child process; the run's artifacts as the store has them. */
async function runIn(change: ((repo: string) => void) | undefined) {
  const repo = freshDir('tally-repo-')
  const dir = freshDir('tally-diff-')
  git(repo, 'init', '-q')
  writeFileSync(join(repo, 'train.py'), 'lr = 0.1\n')
  git(repo, 'add', '.')
  git(repo, 'commit', '-q', '-m', 'first')
  change?.(repo)
  const path = script(
    dir,
    'run.mjs',
    `process.chdir(${JSON.stringify(repo)})
const run = tally.init({ project: 'p', dir: ${JSON.stringify(dir)}, quiet: true, capture: { system: false, console: false } })
run.log({ loss: 1 })
await run.finish()
console.log('run ' + run.id)`,
  )
  const child = startNode(path, {})
  const id = ((await child.waitFor(/^run /)).split(' ')[1] as string).trim()
  expect((await child.exited).code).toBe(0)
  const store = openSqliteStore(join(dir, 'tally.db'))
  stores.push(store)
  await ingestSpool(store, dir)
  const run = await store.getRun(id)
  return { git: run?.system.git as { commit: string; dirty: boolean; diff?: string } | undefined, diff: () => git(repo, 'diff', 'HEAD') }
}

describe('the uncommitted diff of a run', () => {
  it('is kept with the run, exactly what git diff HEAD says', async () => {
    const { git: info, diff } = await runIn((repo) => writeFileSync(join(repo, 'train.py'), 'lr = 0.01  # tuned\n'))
    expect(info?.dirty).toBe(true)
    expect(info?.diff).toBe(diff())
    expect(diff()).toContain('+lr = 0.01  # tuned')
  })

  it('is not kept when the tree is clean', async () => {
    const { git: info } = await runIn(undefined)
    expect(info?.dirty).toBe(false)
    expect(info?.diff).toBeUndefined()
  })
})
