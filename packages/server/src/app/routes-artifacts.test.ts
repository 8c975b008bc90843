import { createHash } from 'node:crypto'
import { type ArtifactEntry, type ArtifactEvent, checkEntries, manifestDigest } from '@tally/sdk/spool'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventRecord, runRecord } from '../store/test-records.js'
import { bearer, keysFor, type TestApp, testApp } from './test-app.js'

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const BYTES = Buffer.from('0123456789abcdefghij')
const OCTETS = { 'content-type': 'application/octet-stream' }

let t: TestApp
let key: string
beforeEach(async () => {
  t = await testApp()
  key = (await keysFor(t.store, 'A')).writer
})
afterEach(async () => t.close())

async function logArtifact(given: ArtifactEntry[]): Promise<void> {
  const entries = checkEntries(given)
  const e: ArtifactEvent = {
    ...{ type: 'artifact', at: Date.now(), name: 'resnet', artifactType: 'model', description: null, metadata: {}, aliases: ['best'] },
    ...{ digest: manifestDigest('model', entries), entries },
  }
  await t.store.ingest('w1', [runRecord(1, { id: 'r1', project: 'p' }, { id: 'w1' }), eventRecord(2, e)], { workspace: 'A' })
}

const put = (digest: string, body: Buffer, range?: string) =>
  t.app.inject({
    method: 'PUT',
    url: `/api/v1/workspaces/A/blobs/${digest}`,
    headers: { ...bearer(key), ...OCTETS, ...(range && { 'content-range': range }) },
    payload: body,
  })
const get = (url: string) => t.app.inject({ method: 'GET', url, headers: bearer(key) })
const errorCode = (res: { json(): unknown }): string => (res.json() as { error: { code: string } }).error.code

describe('artifact routes', () => {
  it('takes a blob in parts, resumes from what it has, and serves the file with its name', async () => {
    const digest = sha(BYTES)
    const missing = await get(`/api/v1/workspaces/A/blobs/${digest}`)
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ error: { code: 'not_found', received: 0 } })
    expect((await put(digest, BYTES.subarray(0, 8), 'bytes 0-7/20')).json()).toEqual({ sha256: digest, received: 8, complete: false })
    expect((await get(`/api/v1/workspaces/A/blobs/${digest}`)).json()).toMatchObject({ error: { received: 8 } })
    // A part past what the server has is refused with where to resume.
    const gap = await put(digest, BYTES.subarray(12), 'bytes 12-19/20')
    expect(gap.statusCode).toBe(400)
    expect(gap.json()).toMatchObject({ error: { code: 'invalid_request', received: 8 } })
    expect((await put(digest, BYTES.subarray(8), 'bytes 8-19/20')).json()).toEqual({ sha256: digest, received: 20, complete: true })
    expect((await get(`/api/v1/workspaces/A/blobs/${digest}`)).json()).toEqual({ sha256: digest, size: 20, complete: true })

    await logArtifact([
      { kind: 'file', path: 'weights/model v1.bin', size: 20, sha256: digest },
      { kind: 'object', path: 'metrics.json', value: { acc: 0.5 } },
      { kind: 'reference', path: 'data.tar', uri: 's3://bucket/data.tar' },
    ])
    const base = '/api/v1/workspaces/A/projects/p/artifacts'
    expect((await get(base)).json()).toEqual([expect.objectContaining({ name: 'resnet', type: 'model', latest: 'v0', versions: 1 })])
    expect((await get(`${base}/resnet`)).json()).toEqual([expect.objectContaining({ version: 'v0', aliases: ['latest', 'best'] })])
    expect((await get(`${base}/resnet/best`)).json()).toMatchObject({ version: 'v0', size: 20, runId: 'r1' })
    const file = await get(`${base}/resnet/v0/files/weights/model%20v1.bin`)
    expect(file.statusCode).toBe(200)
    expect(file.rawPayload.equals(BYTES)).toBe(true)
    expect(file.headers['content-type']).toBe('application/octet-stream')
    expect(file.headers['content-disposition']).toBe("attachment; filename*=UTF-8''model%20v1.bin")
    expect(JSON.parse((await get(`${base}/resnet/latest/files/metrics.json`)).body)).toEqual({ acc: 0.5 })
    expect(errorCode(await get(`${base}/resnet/latest/files/data.tar`))).toBe('invalid_request')
    expect(errorCode(await get(`${base}/resnet/latest/files/nope.bin`))).toBe('not_found')
    expect(errorCode(await get(`${base}/resnet/v9`))).toBe('not_found')
    expect((await get('/api/v1/runs/r1/artifacts')).json()).toEqual([expect.objectContaining({ name: 'resnet', version: 'v0' })])
  })

  it('serves a file at the length of its stored bytes, whatever size the manifest claims', async () => {
    const digest = sha(BYTES)
    await put(digest, BYTES)
    await logArtifact([
      { kind: 'file', path: 'small.bin', size: 5, sha256: digest },
      { kind: 'file', path: 'big.bin', size: 1000, sha256: digest },
    ])
    for (const name of ['small.bin', 'big.bin']) {
      const file = await get(`/api/v1/workspaces/A/projects/p/artifacts/resnet/v0/files/${name}`)
      expect(file.headers['content-length']).toBe('20')
      expect(file.rawPayload.equals(BYTES)).toBe(true)
    }
  })

  it('refuses bytes that do not hash to their name, and keeps nothing of them', async () => {
    const res = await put(sha(Buffer.from('other')), BYTES)
    expect(res.statusCode).toBe(400)
    expect(errorCode(res)).toBe('digest_mismatch')
    expect((await get(`/api/v1/workspaces/A/blobs/${sha(Buffer.from('other'))}`)).json()).toMatchObject({ error: { received: 0 } })
    expect(errorCode(await put(sha(BYTES), BYTES, 'bytes 0-3/20'))).toBe('invalid_request')
  })

  it('refuses names and paths that would escape, with invalid_path', async () => {
    await logArtifact([{ kind: 'object', path: 'a.json', value: 1 }])
    const base = '/api/v1/workspaces/A/projects/p/artifacts'
    for (const url of [
      `${base}/..%2F..%2Fetc/latest`,
      `${base}/resnet/latest/files/..%2F..%2Fetc%2Fpasswd`,
      `${base}/resnet/latest/files/a%5Cb`,
      `${base}/resnet/latest/files/%2Fetc%2Fpasswd`,
      `${base}/resnet/latest/files/a%00b`,
      '/api/v1/workspaces/A/blobs/..%2F..%2Ftally.db',
    ]) {
      const res = await get(url)
      expect([url, res.statusCode, errorCode(res)]).toEqual([url, 400, 'invalid_path'])
    }
    expect(errorCode(await put('..%2Fx', BYTES))).toBe('invalid_path')
  })
})
