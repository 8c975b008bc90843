/**
 * Blobs in a folder: `<root>/<aa>/<sha256>` for the default workspace (the layout the SDK
 * writes under a Tally directory, so a local server reads the SDK's blobs as they are) and
 * `<root>/ws/<workspace>/<aa>/<sha256>` for the others, so workspaces never share bytes.
 * Uploads grow in `<root>/.partial/` and are renamed into place once their hash checks out.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { TallyError } from '@tally/sdk'
import { blobRelativePath, isSha256 } from '@tally/sdk/spool'
import type { BlobStore, BlobUpload } from './blob-store.js'

const WORKSPACE = /^[A-Za-z0-9._-]+$/

export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  private path(workspace: string, sha256: string): string {
    check(workspace, sha256)
    const rel = blobRelativePath(sha256).split('/')
    return workspace === 'default' ? join(this.root, ...rel) : join(this.root, 'ws', workspace, ...rel)
  }

  private partial(workspace: string, sha256: string): string {
    check(workspace, sha256)
    return join(this.root, '.partial', `${workspace}.${sha256}`)
  }

  async stat(workspace: string, sha256: string): Promise<{ size: number } | { received: number }> {
    const size = await sizeOf(this.path(workspace, sha256))
    if (size !== undefined) return { size }
    return { received: (await sizeOf(this.partial(workspace, sha256))) ?? 0 }
  }

  async put(workspace: string, sha256: string, offset: number, total: number, part: Buffer): Promise<BlobUpload> {
    const target = this.path(workspace, sha256)
    const done = await sizeOf(target)
    if (done !== undefined) return { sha256, received: done, complete: true }
    if (!(Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(total) && offset + part.length <= total)) {
      throw new TallyError('invalid_request', `bytes ${offset}+${part.length} do not fit a blob of ${total} bytes; check Content-Range`)
    }
    const partial = this.partial(workspace, sha256)
    await mkdir(dirname(partial), { recursive: true })
    const received = (await sizeOf(partial)) ?? 0
    if (offset > received) {
      throw new TallyError('invalid_request', `the server has ${received} bytes of blob ${sha256}; send from byte ${received}`, {
        details: { received },
      })
    }
    const file = await open(partial, received === 0 ? 'w' : 'r+')
    try {
      await file.write(part, 0, part.length, offset)
      await file.truncate(offset + part.length)
    } finally {
      await file.close()
    }
    const now = offset + part.length
    if (now < total) return { sha256, received: now, complete: false }
    const actual = await hashFile(partial)
    if (actual !== sha256) {
      await unlink(partial).catch(() => undefined)
      throw new TallyError('digest_mismatch', `the bytes sent hash to ${actual}, not ${sha256}; upload the blob again from byte 0`)
    }
    await mkdir(dirname(target), { recursive: true })
    await rename(partial, target)
    return { sha256, received: now, complete: true }
  }

  async open(workspace: string, sha256: string): Promise<Readable | undefined> {
    const path = this.path(workspace, sha256)
    if ((await sizeOf(path)) === undefined) return undefined
    return createReadStream(path)
  }
}

function check(workspace: string, sha256: string): void {
  // Both become path segments: only names that cannot leave the folder get this far.
  if (!WORKSPACE.test(workspace) || workspace.startsWith('.'))
    throw new TallyError('invalid_path', `workspace ${JSON.stringify(workspace)} is not a valid name`)
  if (!isSha256(sha256))
    throw new TallyError('invalid_path', `blob name ${JSON.stringify(sha256)} is not a sha256: send 64 lowercase hex digits`)
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size
  } catch {
    return undefined
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
