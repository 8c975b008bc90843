/**
 * The local blob folder (`<tally dir>/blobs/<aa>/<sha256>`): each file's bytes once, by
 * content. A file is hashed while it is copied, in one streaming pass, so the bytes stored
 * are exactly the bytes hashed even if the file changes meanwhile.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, stat, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { blobRelativePath } from './manifest.js'

export function blobsDir(tallyDir: string): string {
  return join(tallyDir, 'blobs')
}

export function blobPath(blobs: string, sha256: string): string {
  return join(blobs, ...blobRelativePath(sha256).split('/'))
}

export interface StoredBlob {
  sha256: string
  size: number
  /** False when a blob with these bytes was there already (dedup). */
  added: boolean
}

/** Hash `file` while copying it into `blobs`; keep the copy only if the blob is new. */
export async function storeFileBlob(blobs: string, file: string): Promise<StoredBlob> {
  await mkdir(blobs, { recursive: true })
  const tmp = join(blobs, `.tmp-${randomBytes(8).toString('hex')}`)
  const hash = createHash('sha256')
  let size = 0
  try {
    await pipeline(
      createReadStream(file),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk)
          size += chunk.length
          yield chunk
        }
      },
      createWriteStream(tmp),
    )
    const sha256 = hash.digest('hex')
    const target = blobPath(blobs, sha256)
    if (await exists(target)) {
      await unlink(tmp)
      return { sha256, size, added: false }
    }
    await mkdir(dirname(target), { recursive: true })
    // A rename is atomic: a reader never sees half a blob, and two writers of the same bytes
    // both end with the same whole file.
    await rename(tmp, target)
    return { sha256, size, added: true }
  } catch (e) {
    await unlink(tmp).catch(() => undefined)
    throw e
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
