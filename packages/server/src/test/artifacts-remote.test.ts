/**
 * Artifacts in remote mode against a real `tally serve` child: the SDK uploads the files'
 * bytes in parts before the manifest, the server stores each blob once, and the API and
 * `tally artifact get` give back the very same bytes.
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Artifact, init } from '@tally/sdk'
import { afterEach, describe, expect, it } from 'vitest'
import { type Child, cli, freePort, freshDir, startServe, writerKey } from './test-helpers.js'

const children: Child[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.proc.kill('SIGKILL')
})

/** Every blob file the server keeps (not partial uploads). */
function serverBlobs(dir: string): string[] {
  const root = join(dir, 'blobs')
  return readdirSync(root)
    .filter((d) => /^[0-9a-f]{2}$/.test(d))
    .flatMap((d) => readdirSync(join(root, d)).map((f) => join(root, d, f)))
}

describe('artifacts in remote mode', () => {
  it('uploads each blob once, in parts, and gives the same bytes back through the API and tally artifact get', async () => {
    const serverDir = freshDir()
    const clientDir = freshDir()
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const apiKey = await writerKey(serverDir)
    const server = startServe(serverDir, port)
    children.push(server)
    await server.waitFor(/listening on/)

    // Over two 8 MiB parts, so the upload goes in pieces.
    const big = randomBytes(19 * 1024 * 1024 + 123)
    writeFileSync(join(clientDir, 'model.bin'), big)
    writeFileSync(join(clientDir, 'notes.txt'), 'trained for 3 epochs\n')
    const remote = { project: 'p', serverUrl: url, apiKey, dir: join(clientDir, 'tally'), capture: false, quiet: true } as const
    const first = init(remote)
    const model = new Artifact('resnet', 'model').addFile(join(clientDir, 'model.bin')).addFile(join(clientDir, 'notes.txt'))
    const logged = await first.logArtifact(model)
    await first.finish()
    const blobsAfterFirst = serverBlobs(serverDir)
    expect(blobsAfterFirst).toHaveLength(2)
    const bigBlob = blobsAfterFirst.find((p) => statSync(p).size === big.length) as string
    const mtime = statSync(bigBlob).mtimeMs

    // Another run logs the same file in another artifact: the server has it, so it is not sent again.
    const second = init(remote)
    await second.logArtifact(new Artifact('resnet-copy', 'checkpoint').addFile(join(clientDir, 'model.bin'), { name: 'ckpt.bin' }))
    await second.finish()
    expect(serverBlobs(serverDir)).toHaveLength(2)
    expect(statSync(bigBlob).mtimeMs).toBe(mtime)

    const headers = { authorization: `Bearer ${apiKey}` }
    const list = (await (await fetch(`${url}/api/v1/workspaces/default/projects/p/artifacts`, { headers })).json()) as { name: string }[]
    expect(list.map((a) => a.name)).toEqual(['resnet', 'resnet-copy'])
    const version = (await (await fetch(`${url}/api/v1/workspaces/default/projects/p/artifacts/resnet/latest`, { headers })).json()) as {
      version: string
      digest: string
    }
    expect(version).toMatchObject({ version: 'v0', digest: logged.digest })
    const file = await fetch(`${url}/api/v1/workspaces/default/projects/p/artifacts/resnet/v0/files/model.bin`, { headers })
    expect(file.status).toBe(200)
    expect(Buffer.from(await file.arrayBuffer()).equals(big)).toBe(true)

    const out = join(freshDir(), 'got')
    const got = await cli(
      ['artifact', 'get', 'resnet:latest', '--project', 'p', '--out', out, '--server', url, '--api-key', apiKey],
      clientDir,
    )
    expect(got).toMatchObject({ code: 0, stderr: '' })
    expect(readFileSync(join(out, 'model.bin')).equals(big)).toBe(true)
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('trained for 3 epochs\n')
  })
})
