/**
 * Whole spool records, cut from a writer's file by their headers alone. The server takes the
 * records byte for byte, so the sender never decodes them: it checks each one's length and
 * CRC (a damaged record is never sent) and reads its seq from the body header.
 *
 *   record = length:u32 crc:u32 body[length]      body = seq:u64 kind:u8 …
 */
import { type FileHandle, open } from 'node:fs/promises'
import { crc32 } from 'node:zlib'
import { BODY_HEADER_BYTES, MAGIC, MAX_BODY_BYTES, RECORD_HEADER_BYTES } from '../spool/format.js'

/** A record's length, seq and CRC are in its first 16 bytes. */
const HEADER_AND_SEQ_BYTES = RECORD_HEADER_BYTES + 8
/** How much `findOffset` reads at a time while it walks headers. */
const SCAN_CHUNK_BYTES = 256 * 1024

/** Where a writer's file stands: the byte offset just past the record with this seq. */
export interface FilePosition {
  offset: number
  seq: number
}

/** The position before the first record. */
export const FILE_START: FilePosition = { offset: MAGIC.length, seq: 0 }

export interface RecordSlice {
  /** Whole, intact records exactly as in the file; empty when none is ready. */
  bytes: Buffer
  count: number
  /** Seq of the last record in `bytes`; 0 when empty. */
  lastSeq: number
  /** Why slicing stopped at a record that can never be sent (a damaged tail). */
  damaged?: string
}

function lengthProblem(length: number): string | undefined {
  if (length < BODY_HEADER_BYTES || length % 8 !== 0 || length > MAX_BODY_BYTES) return `bad record length ${length}`
  return undefined
}

/**
 * The whole, intact records at the start of `buf`, up to `maxBytes` in all; the first
 * record is taken even when it alone is larger. A record cut short (its writer is still
 * appending, or died mid-write) ends the slice; so does a damaged one, with `damaged` set.
 *
 * @example
 * const slice = sliceRecords(bytesFromOffset, 4 * 1024 * 1024)
 * if (slice.count > 0) await post(slice.bytes)
 */
export function sliceRecords(buf: Buffer, maxBytes: number): RecordSlice {
  let end = 0
  let count = 0
  let lastSeq = 0
  while (buf.length - end >= HEADER_AND_SEQ_BYTES) {
    const length = buf.readUInt32LE(end)
    const problem = lengthProblem(length)
    if (problem) return { bytes: buf.subarray(0, end), count, lastSeq, damaged: problem }
    const next = end + RECORD_HEADER_BYTES + length
    if (next > buf.length || (count > 0 && next > maxBytes)) break
    if (crc32(buf.subarray(end + RECORD_HEADER_BYTES, next)) !== buf.readUInt32LE(end + 4)) {
      return { bytes: buf.subarray(0, end), count, lastSeq, damaged: `checksum mismatch in the record after seq ${lastSeq}` }
    }
    lastSeq = Number(buf.readBigUInt64LE(end + RECORD_HEADER_BYTES))
    count++
    end = next
  }
  return { bytes: buf.subarray(0, end), count, lastSeq }
}

async function readAt(file: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(Math.max(0, length))
  let got = 0
  while (got < buf.length) {
    const { bytesRead } = await file.read(buf, got, buf.length - got, offset + got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return buf.subarray(0, got)
}

/**
 * The records of the file at `path` from byte `offset` (a record boundary), as `sliceRecords`
 * cuts them. Reads off the main thread, so the training loop never waits on it.
 */
export async function readSlice(path: string, offset: number, maxBytes: number): Promise<RecordSlice> {
  const file = await open(path, 'r')
  try {
    const size = (await file.stat()).size
    if (size - offset < HEADER_AND_SEQ_BYTES) return { bytes: Buffer.alloc(0), count: 0, lastSeq: 0 }
    let buf = await readAt(file, offset, Math.min(maxBytes, size - offset))
    const first = RECORD_HEADER_BYTES + buf.readUInt32LE(0)
    // One record larger than the budget is sent alone: read exactly that record.
    if (first > buf.length && offset + first <= size && lengthProblem(first - RECORD_HEADER_BYTES) === undefined) {
      buf = await readAt(file, offset, first)
    }
    return sliceRecords(buf, maxBytes)
  } finally {
    await file.close()
  }
}

/**
 * The position just past the record with seq `seq`, found by walking record headers (never
 * reading bodies) from `from`, a position known to be a record boundary. Stops early at
 * the end of the whole records: the result's `seq` is then the last one in the file, which
 * is how `Infinity` finds the end.
 */
export async function findOffset(path: string, seq: number, from: FilePosition = FILE_START): Promise<FilePosition> {
  const file = await open(path, 'r')
  try {
    const size = (await file.stat()).size
    let at = from
    while (at.seq < seq) {
      const chunk = await readAt(file, at.offset, Math.min(SCAN_CHUNK_BYTES, size - at.offset))
      const walked = walkHeaders(chunk, at, seq, size)
      if (walked.offset === at.offset) return at
      at = walked
    }
    return at
  } finally {
    await file.close()
  }
}

/** Walk the headers in `chunk` (which starts at `from.offset`) while seqs stay ≤ `seq`. */
function walkHeaders(chunk: Buffer, from: FilePosition, seq: number, fileSize: number): FilePosition {
  let pos = 0
  let at = from
  while (at.seq < seq && chunk.length - pos >= HEADER_AND_SEQ_BYTES) {
    const length = chunk.readUInt32LE(pos)
    const next = pos + RECORD_HEADER_BYTES + length
    const recordSeq = Number(chunk.readBigUInt64LE(pos + RECORD_HEADER_BYTES))
    if (lengthProblem(length) || from.offset + next > fileSize || recordSeq > seq) break
    at = { offset: from.offset + next, seq: recordSeq }
    pos = next
  }
  return at
}

/**
 * The seq of the record that starts at `offset`; `end` when `offset` is exactly the end of
 * the file; undefined when no whole record header is there (a bad offset, or a record that
 * another process is still appending).
 */
export async function seqAt(path: string, offset: number): Promise<number | 'end' | undefined> {
  const file = await open(path, 'r')
  try {
    const size = (await file.stat()).size
    if (offset === size) return 'end'
    if (offset > size) return undefined
    const head = await readAt(file, offset, HEADER_AND_SEQ_BYTES)
    return head.length < HEADER_AND_SEQ_BYTES ? undefined : Number(head.readBigUInt64LE(RECORD_HEADER_BYTES))
  } finally {
    await file.close()
  }
}
