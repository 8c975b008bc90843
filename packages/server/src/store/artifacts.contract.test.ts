import { type ArtifactEntry, type ArtifactEvent, manifestDigest, type SpoolRecord } from '@tally/sdk/spool'
import { describe, expect, it } from 'vitest'
import { eventRecord, runRecord, T0 } from './test-records.js'
import { codeOf, freshStores, STORE_KINDS } from './test-stores.js'

const SHA_A = 'a'.repeat(64)
const SHA_B = 'b'.repeat(64)

function artifact(name: string, entries: ArtifactEntry[], extra: Partial<ArtifactEvent> = {}): ArtifactEvent {
  const type = extra.artifactType ?? 'model'
  return {
    type: 'artifact',
    at: T0 + 5,
    name,
    artifactType: type,
    description: null,
    metadata: {},
    aliases: [],
    digest: manifestDigest(type, entries),
    entries,
    ...extra,
  }
}
const file = (path: string, sha256: string, size = 10): ArtifactEntry => ({ kind: 'file', path, size, sha256 })
const rec = (seq: number, e: ArtifactEvent): SpoolRecord => eventRecord(seq, e)

for (const kind of STORE_KINDS) {
  describe(`${kind}: artifacts`, () => {
    const fresh = freshStores(kind, 'artifacts', { now: () => T0 + 1000, hostname: 'this-host' })

    it('keeps NaN and ±Infinity inside object entries exactly', async () => {
      const store = await fresh()
      const entries: ArtifactEntry[] = [
        {
          kind: 'object',
          path: 'stats.json',
          value: { loss: Number.NaN, best: Number.POSITIVE_INFINITY, low: [Number.NEGATIVE_INFINITY, 1] },
        },
      ]
      await store.ingest('w1', [runRecord(1, { id: 'r1', project: 'p' }), rec(2, artifact('stats', entries))])
      expect((await store.getArtifact('p', 'stats', 'latest'))?.entries).toEqual(entries)
    })

    it('numbers versions per name, moves latest, keeps aliases, and treats a replayed digest as the same version', async () => {
      const store = await fresh()
      const v0 = artifact('resnet', [file('model.bin', SHA_A)], { aliases: ['best'], metadata: { epochs: 1 }, description: 'first' })
      const v1 = artifact('resnet', [file('model.bin', SHA_B)])
      await store.ingest('w1', [runRecord(1, { id: 'r1', project: 'p' }), rec(2, v0), rec(3, v1)])
      // The same content as v0, from another run: v0 again, and `prod` now names it.
      await store.ingest('w2', [runRecord(1, { id: 'r2', project: 'p' }, { id: 'w2' }), rec(2, { ...v0, aliases: ['prod'] })])
      // A replay of records already acknowledged changes nothing.
      await store.ingest('w1', [rec(2, v0), rec(3, v1)])

      const versions = await store.listArtifactVersions('p', 'resnet')
      expect(versions.map((v) => [v.version, v.aliases, v.runId])).toEqual([
        [1, ['latest'], 'r1'],
        [0, ['best', 'prod'], 'r1'],
      ])
      expect(await store.listArtifacts('p')).toEqual([{ name: 'resnet', type: 'model', latest: 1, versions: 2, updatedAt: T0 + 5 }])
      const best = await store.getArtifact('p', 'resnet', 'best')
      expect(best).toMatchObject({
        version: 0,
        digest: v0.digest,
        description: 'first',
        metadata: { epochs: 1 },
        size: 10,
        project: 'p',
        workspace: 'default',
      })
      expect(best?.entries).toEqual([file('model.bin', SHA_A)])
      expect((await store.getArtifact('p', 'resnet', 'latest'))?.version).toBe(1)
      expect((await store.getArtifact('p', 'resnet', 'v0'))?.digest).toBe(v0.digest)
      expect(await store.getArtifact('p', 'resnet', 'v7')).toBeUndefined()
      expect(await store.getArtifact('p', 'resnet', 'nope')).toBeUndefined()
      expect(await store.getArtifact('p', 'other', 'latest')).toBeUndefined()
      expect(await codeOf(store.getArtifact('p', 'resnet', '../x'))).toBe('invalid_argument')
      expect((await store.runArtifacts('r1')).map((v) => `${v.name}:v${v.version}`)).toEqual(['resnet:v0', 'resnet:v1'])
      expect(await store.runArtifacts('r2')).toEqual([])

      // An alias moves to the version that names it last.
      await store.ingest('w1', [rec(4, { ...v1, aliases: ['best'] })])
      expect((await store.getArtifact('p', 'resnet', 'best'))?.version).toBe(1)
    })

    it('refuses manifests whose paths escape, or whose digest does not match, and stores nothing of them', async () => {
      const store = await fresh()
      await store.ingest('w1', [runRecord(1, { id: 'r1', project: 'p' })])
      for (const path of ['../escape', '/etc/passwd', 'a\\b', 'a/../../b']) {
        const bad = artifact('m', [file(path, SHA_A)])
        expect(await codeOf(store.ingest('w1', [rec(2, bad)]))).toBe('spool_format')
      }
      expect(await codeOf(store.ingest('w1', [rec(2, artifact('../m', [file('x', SHA_A)]))]))).toBe('spool_format')
      expect(await codeOf(store.ingest('w1', [rec(2, { ...artifact('m', [file('x', SHA_A)]), digest: SHA_B })]))).toBe('spool_format')
      expect(await store.listArtifacts('p')).toEqual([])
    })

    it('keeps the artifacts of a deleted run', async () => {
      const store = await fresh()
      await store.ingest('w1', [
        runRecord(1, { id: 'r1', project: 'p' }),
        rec(2, artifact('data', [file('x.csv', SHA_A)], { artifactType: 'dataset' })),
      ])
      await store.deleteRun('r1')
      expect((await store.getArtifact('p', 'data', 'latest'))?.entries).toEqual([file('x.csv', SHA_A)])
    })
  })
}
