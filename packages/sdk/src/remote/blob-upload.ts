/**
 * Remote mode: the bytes of an artifact's files go to the server before the manifest that
 * names them, in parts of 8 MiB, each from the byte the server says it has, so an upload cut
 * off halfway resumes there. Blobs the server has already (the same file in another
 * artifact, or another run's) are skipped after one GET.
 */
import { open } from 'node:fs/promises'
import { blobPath } from '../artifacts/blobs.js'
import { isSha256 } from '../artifacts/manifest.js'
import { TallyError } from '../errors.js'
import { decodeRecords } from '../spool/codec.js'
import { KIND_EVENT } from '../spool/format.js'
import { getBlob, putBlobPart } from './http.js'
import type { RemoteTarget } from './target.js'

const PART_BYTES = 8 * 1024 * 1024

/**
 * Upload every blob in `sha256s` the server lacks. Returns undefined when each is there or
 * cannot be sent (a blob gone from the local folder, an upload the server refuses: reported,
 * not retried forever; the records then meet the same refusal), else the error to back off on.
 */
export async function uploadBlobs(
  target: RemoteTarget,
  blobs: string,
  sha256s: Iterable<string>,
  known: Set<string>,
  signal: AbortSignal,
  report: (e: TallyError) => void,
): Promise<TallyError | undefined> {
  for (const sha256 of sha256s) {
    if (known.has(sha256)) continue
    const problem = await uploadBlob(target, blobs, sha256, signal, report)
    if (problem !== undefined) return problem
    known.add(sha256)
  }
  return undefined
}

async function uploadBlob(
  target: RemoteTarget,
  blobs: string,
  sha256: string,
  signal: AbortSignal,
  report: (e: TallyError) => void,
): Promise<TallyError | undefined> {
  const state = await getBlob(target, sha256, signal)
  if (state.kind === 'ok') return undefined
  if (state.kind === 'retry') return state.error
  if (state.status !== 404) return refusedUpload(state.error, sha256, report)
  let offset = typeof state.error.details?.received === 'number' ? state.error.details.received : 0
  let file: Awaited<ReturnType<typeof open>>
  try {
    file = await open(blobPath(blobs, sha256), 'r')
  } catch (e) {
    report(
      new TallyError(
        'spool_io',
        `blob ${sha256} is gone from ${blobs} (${(e as Error).message}); the artifact naming it is sent without its bytes`,
      ),
    )
    return undefined
  }
  try {
    const total = (await file.stat()).size
    if (offset > total) offset = 0
    for (let restarts = 0; ; ) {
      const length = Math.min(PART_BYTES, total - offset)
      const part = Buffer.alloc(length)
      const { bytesRead } = await file.read(part, 0, length, offset)
      const answer = await putBlobPart(target, sha256, offset, total, part.subarray(0, bytesRead), signal)
      if (answer.kind === 'retry') return answer.error
      if (answer.kind === 'refused') {
        const received = answer.error.details?.received
        // The server has another amount than we thought (a part lost, or a checksum failure
        // that dropped the upload): start again from where it is, a few times at most.
        if ((answer.error.code === 'invalid_request' || answer.error.code === 'digest_mismatch') && restarts++ < 3) {
          offset = typeof received === 'number' ? received : 0
          continue
        }
        return refusedUpload(answer.error, sha256, report)
      }
      if (answer.body.complete === true) return undefined
      offset = typeof answer.body.received === 'number' ? answer.body.received : offset + bytesRead
    }
  } finally {
    await file.close()
  }
}

function refusedUpload(error: TallyError, sha256: string, report: (e: TallyError) => void): undefined {
  report(new TallyError(error.code, `the server refused blob ${sha256}: ${error.message}`, { cause: error }))
  return undefined
}

/** The sha256 of every file that artifact events among these spool records name. */
export function artifactBlobs(records: Buffer): string[] {
  // Cheap test first: most batches hold no artifact, and decoding points costs.
  if (!records.includes('"type":"artifact"')) return []
  const aligned = records.byteOffset % 8 === 0 ? records : Buffer.from(records)
  const out = new Set<string>()
  for (const r of decodeRecords(aligned).records) {
    if (r.kind !== KIND_EVENT || r.event.type !== 'artifact' || !Array.isArray(r.event.entries)) continue
    for (const e of r.event.entries) if (e.kind === 'file' && isSha256(e.sha256)) out.add(e.sha256)
  }
  return [...out]
}
