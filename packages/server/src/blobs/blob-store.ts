/**
 * Where artifact files' bytes live, by sha256, per workspace. One small interface, so an
 * S3-compatible store can stand beside the file-system one. Uploads come in parts (each
 * appended at the offset the store has received so far) and are hashed when the last part
 * arrives: a blob is readable only once its bytes hash to its name.
 */
import type { Readable } from 'node:stream'

export interface BlobUpload {
  sha256: string
  /** Bytes received so far (all of them once complete). */
  received: number
  complete: boolean
}

export interface BlobStore {
  /** The size of a complete blob, or undefined; with `received`, how much of an upload is in. */
  stat(workspace: string, sha256: string): Promise<{ size: number } | { received: number }>
  /**
   * Take bytes `[offset, offset + part.length)` of a blob of `total` bytes. `offset` must not
   * be past what was received (`invalid_request` with `received`); a part from earlier
   * offsets overwrites from there. On the last part the bytes are hashed: a mismatch deletes
   * the upload and throws `digest_mismatch`. A blob that is complete already is left alone.
   */
  put(workspace: string, sha256: string, offset: number, total: number, part: Buffer): Promise<BlobUpload>
  /** The bytes of a complete blob, or undefined. */
  open(workspace: string, sha256: string): Promise<Readable | undefined>
}
