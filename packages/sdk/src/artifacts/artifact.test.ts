import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TallyError } from '../errors.js'
import { init } from '../index.js'
import { type ArtifactEvent, KIND_EVENT } from '../spool/format.js'
import { listSpool, readSpoolFile } from '../spool/reader.js'
import { Artifact } from './artifact.js'
import { blobPath, blobsDir } from './blobs.js'
import { checkArtifactName, checkEntries, checkEntryPath, manifestDigest } from './manifest.js'

const dirs: string[] = []
const freshDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tally-art-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const sha = (bytes: string | Buffer): string => createHash('sha256').update(bytes).digest('hex')
const codeOf = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    if (e instanceof TallyError) return e.code
    throw e
  }
  throw new Error('expected a TallyError')
}

function artifactEvents(dir: string): ArtifactEvent[] {
  const out: ArtifactEvent[] = []
  for (const run of listSpool(join(dir, 'spool'))) {
    for (const f of run.files) {
      for (const r of readSpoolFile(f.path).records) if (r.kind === KIND_EVENT && r.event.type === 'artifact') out.push(r.event)
    }
  }
  return out
}

describe('artifact paths', () => {
  it('refuses names and entry paths that could leave a folder', () => {
    for (const bad of ['../x', '/etc/passwd', 'a/../../b', 'a\\b', 'a\u0000b', 'C:/x', '', 'a//b', './a']) {
      expect(codeOf(() => checkEntryPath(bad))).toBe('invalid_path')
    }
    for (const bad of ['..', '.hidden', 'a/b', '', 'x'.repeat(129)]) expect(codeOf(() => checkArtifactName(bad))).toBe('invalid_path')
    expect(checkEntryPath('weights/model.bin')).toBe('weights/model.bin')
    expect(codeOf(() => new Artifact('m', 'model').addFile('x', { name: '../escape' }))).toBe('invalid_path')
    expect(codeOf(() => new Artifact('m', 'nonsense' as 'model'))).toBe('invalid_argument')
  })

  it('refuses a path that is also the folder of another (they could not both be written out)', () => {
    const sha = 'a'.repeat(64)
    const file = (path: string) => ({ kind: 'file', path, size: 1, sha256: sha })
    expect(codeOf(() => checkEntries([file('a'), file('a/b')]))).toBe('invalid_path')
    expect(codeOf(() => checkEntries([file('x/y/z'), file('x/y')]))).toBe('invalid_path')
    expect(checkEntries([file('ab'), file('a/b')]).map((e) => e.path)).toEqual(['a/b', 'ab'])
  })
})

describe('run.logArtifact', () => {
  it('hashes files into the blob folder once and writes the manifest into the spool', async () => {
    const dir = freshDir()
    const src = freshDir()
    writeFileSync(join(src, 'model.bin'), 'weights!')
    mkdirSync(join(src, 'data', 'sub'), { recursive: true })
    writeFileSync(join(src, 'data', 'a.txt'), 'same bytes')
    writeFileSync(join(src, 'data', 'sub', 'b.txt'), 'same bytes')
    const run = init({ dir, project: 'p', capture: false })
    const model = new Artifact('resnet', 'model', { description: 'first', metadata: { epochs: 3 } })
      .addFile(join(src, 'model.bin'))
      .addDir(join(src, 'data'), { name: 'data' })
      .addObject('metrics.json', { acc: 0.9 })
      .addReference('s3://bucket/big.tar')
    model.aliases.push('best', 'latest')
    const logged = await run.logArtifact(model)
    // a.txt and b.txt hold the same bytes: one blob for both.
    expect(logged.newBlobs).toBe(2)
    expect(logged.entries.map((e) => e.path)).toEqual(['big.tar', 'data/a.txt', 'data/sub/b.txt', 'metrics.json', 'model.bin'])
    expect(readFileSync(blobPath(blobsDir(dir), sha('weights!')), 'utf8')).toBe('weights!')
    expect(readdirSync(blobsDir(dir)).filter((n) => !n.startsWith('.'))).toHaveLength(2)
    expect(logged.digest).toBe(manifestDigest('model', logged.entries))

    // The same content again: no new blob, the same digest.
    const again = await run.logArtifact(
      new Artifact('resnet', 'model')
        .addFile(join(src, 'model.bin'))
        .addDir(join(src, 'data'), { name: 'data' })
        .addObject('metrics.json', { acc: 0.9 })
        .addReference('s3://bucket/big.tar'),
    )
    expect(again.newBlobs).toBe(0)
    expect(again.digest).toBe(logged.digest)
    await run.finish()

    const events = artifactEvents(dir)
    expect(events).toHaveLength(2)
    const first = events[0] as ArtifactEvent
    expect(first).toMatchObject({ name: 'resnet', artifactType: 'model', description: 'first', metadata: { epochs: 3 }, aliases: ['best'] })
    expect(first.entries).toContainEqual({ kind: 'file', path: 'model.bin', size: 8, sha256: sha('weights!') })
    expect(first.entries).toContainEqual({ kind: 'reference', path: 'big.tar', uri: 's3://bucket/big.tar' })
    expect(first.entries).toContainEqual({ kind: 'object', path: 'metrics.json', value: { acc: 0.9 } })
  })

  it('says which file it cannot read, and logs nothing of that artifact', async () => {
    const dir = freshDir()
    const run = init({ dir, project: 'p', capture: false })
    await expect(run.logArtifact(new Artifact('m', 'model').addFile(join(dir, 'missing.bin')))).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('missing.bin'),
    })
    await run.finish()
    expect(artifactEvents(dir)).toHaveLength(0)
  })
})
