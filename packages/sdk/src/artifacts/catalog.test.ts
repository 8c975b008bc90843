import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { init } from '../index.js'
import { Artifact } from './artifact.js'

const dirs: string[] = []
const freshDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tally-cat-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const quiet = { quiet: true, capture: false } as const

describe("a project's artifact versions, read from the local spool", () => {
  it('numbers versions per name in logged order, keeps a replayed digest, moves aliases and latest', async () => {
    const dir = freshDir()
    const a = init({ dir, project: 'p', ...quiet })
    // Points between the artifacts: the events are found by stepping over them.
    for (let s = 0; s < 2000; s++) a.log({ loss: 1 / (s + 1), acc: s })
    await a.logArtifact(new Artifact('data', 'dataset').addObject('rows.json', [1, 2]))
    await a.logArtifact(new Artifact('model', 'model', { aliases: ['best'] }).addObject('w.json', [0]))
    await a.finish()

    const b = init({ dir, project: 'p', ...quiet })
    await b.logArtifact(new Artifact('model', 'model').addObject('w.json', [1]))
    // The same content as v0: the same version again, which now carries `best` no more than before.
    await b.logArtifact(new Artifact('model', 'model', { aliases: ['prod'] }).addObject('w.json', [0]))
    const other = init({ dir, project: 'elsewhere', ...quiet })
    await other.logArtifact(new Artifact('model', 'model').addObject('w.json', [9]))
    await other.finish()

    const versions = await b.artifactVersions()
    expect(versions.map((v) => [v.name, v.version, v.aliases, v.runId])).toEqual([
      ['data', 0, ['latest'], a.id],
      ['model', 0, ['best', 'prod'], a.id],
      ['model', 1, ['latest'], b.id],
    ])
    expect(versions[1]?.entries).toEqual([{ kind: 'object', path: 'w.json', value: [0] }])
    // Finished, the run still reads the spool.
    await b.finish()
    expect((await b.artifactVersions()).length).toBe(3)
  })

  it('is empty for a project without artifacts', async () => {
    const run = init({ dir: freshDir(), project: 'none', ...quiet })
    run.log({ x: 1 })
    expect(await run.artifactVersions()).toEqual([])
    await run.finish()
  })
})
