import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Artifact, init } from '@tally/sdk'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './cli.js'

const dirs: string[] = []
const fresh = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tally-cli-art-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function tally(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const io = {
    stdout: {
      write: (s: string) => {
        stdout += s
        return true
      },
    },
    stderr: {
      write: (s: string) => {
        stderr += s
        return true
      },
    },
    env: {},
  }
  const code = await runCli(args, io)
  return { code, stdout, stderr }
}

describe('tally artifact (local)', () => {
  it('lists the artifacts a run logged and writes a version into a folder', async () => {
    const dir = fresh()
    const src = fresh()
    writeFileSync(join(src, 'model.bin'), 'weights v0')
    const run = init({ dir, project: 'p', capture: false, quiet: true })
    await run.logArtifact(
      new Artifact('resnet', 'model').addFile(join(src, 'model.bin'), { name: 'w/model.bin' }).addObject('cfg.json', { lr: 0.1 }),
    )
    writeFileSync(join(src, 'model.bin'), 'weights v1')
    const best = new Artifact('resnet', 'model').addFile(join(src, 'model.bin'), { name: 'w/model.bin' }).addReference('s3://b/data.tar')
    best.aliases.push('best')
    await run.logArtifact(best)
    await run.finish()

    const ls = await tally(['artifact', 'ls', 'p', '--dir', dir])
    expect(ls.code).toBe(0)
    expect(ls.stdout).toMatch(/resnet\s+model\s+v1\s+2/)
    const listed = JSON.parse((await tally(['artifact', 'ls', 'p', '--dir', dir, '--json'])).stdout)
    expect(listed).toEqual([expect.objectContaining({ name: 'resnet', latest: 'v1', versions: 2 })])

    const out = join(fresh(), 'v0')
    const got = await tally(['artifact', 'get', 'resnet:v0', '--project', 'p', '--out', out, '--dir', dir])
    expect(got).toMatchObject({ code: 0, stderr: '' })
    expect(readFileSync(join(out, 'w', 'model.bin'), 'utf8')).toBe('weights v0')
    expect(JSON.parse(readFileSync(join(out, 'cfg.json'), 'utf8'))).toEqual({ lr: 0.1 })

    const bestOut = join(fresh(), 'best')
    const b = await tally(['artifact', 'get', 'resnet:best', '--project', 'p', '--out', bestOut, '--dir', dir])
    expect(b.stdout).toContain('reference, not downloaded: data.tar → s3://b/data.tar')
    expect(readFileSync(join(bestOut, 'w', 'model.bin'), 'utf8')).toBe('weights v1')
  })

  it('says what is wrong with a bad name, an unknown version or action', async () => {
    const dir = fresh()
    expect(await tally(['artifact', 'get', '../etc:v0', '--dir', dir])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('[invalid_path]'),
    })
    expect(await tally(['artifact', 'get', 'resnet:v3', '--dir', dir])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('[not_found]'),
    })
    expect(await tally(['artifact', 'rm', 'x', '--dir', dir])).toMatchObject({ code: 2, stderr: expect.stringContaining('ls or get') })
  })
})
