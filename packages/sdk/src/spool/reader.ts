import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { TallyError } from '../errors.js'
import { type DecodeResult, decodeRecords, hasMagic } from './codec.js'
import {
  BODY_HEADER_BYTES,
  countsAsStep,
  KIND_EVENT,
  KIND_POINTS,
  MAGIC,
  RECORD_HEADER_BYTES,
  type SpoolEvent,
  type SpoolRecord,
} from './format.js'

export const SPOOL_FILE_SUFFIX = '.tsp'
export const RUN_INDEX_FILE = 'run.json'

export interface SpoolFileRead {
  records: SpoolRecord[]
  /** Byte offset just past the last whole record read: where the next read starts. */
  nextOffset: number
  /** File size when read. */
  size: number
  /** Set when reading stopped before the end of the file. */
  stop?: DecodeResult['stop']
  detail?: string
}

/** Byte budget of one read; a record larger than this is still read whole. */
const DEFAULT_READ_BYTES = 16 * 1024 * 1024

function readAt(fd: number, offset: number, length: number): Buffer {
  // allocUnsafeSlow gives a buffer of its own, 8-aligned, so float arrays are viewed in place.
  const buf = Buffer.allocUnsafeSlow(length)
  let got = 0
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got)
    if (n === 0) break
    got += n
  }
  return got === length ? buf : buf.subarray(0, got)
}

/**
 * Read whole records from a spool file starting at `offset` (0, or a `nextOffset` from an
 * earlier read). Reads about `maxBytes` at a time; call again from `nextOffset` while
 * `nextOffset < size` and `stop` is unset. A torn or damaged tail stops the read with
 * `stop: 'corrupt'`; a record still being written stops it with `stop: 'incomplete'`.
 */
export function readSpoolFile(path: string, offset = 0, maxBytes = DEFAULT_READ_BYTES): SpoolFileRead {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    let start = offset
    if (start === 0) {
      if (size < MAGIC.length) return { records: [], nextOffset: 0, size, stop: 'incomplete' }
      if (!hasMagic(readAt(fd, 0, MAGIC.length))) {
        throw new TallyError('spool_format', `${path} is not a Tally spool file (bad magic); move it out of the spool directory`)
      }
      start = MAGIC.length
    }
    if (start >= size) return { records: [], nextOffset: start, size }
    let buf = readAt(fd, start, Math.min(maxBytes, size - start))
    let decoded = decodeRecords(buf)
    if (decoded.records.length === 0 && decoded.stop === 'incomplete' && buf.length >= RECORD_HEADER_BYTES) {
      // One record larger than the read budget: read exactly that record.
      const need = RECORD_HEADER_BYTES + buf.readUInt32LE(0)
      if (start + need <= size) {
        buf = readAt(fd, start, need)
        decoded = decodeRecords(buf)
      }
    }
    const nextOffset = start + decoded.consumed
    const result: SpoolFileRead = { records: decoded.records, nextOffset, size }
    // 'incomplete' only matters at the end of the file; mid-file it just means the budget ran out.
    if (decoded.stop === 'corrupt' || (decoded.stop === 'incomplete' && start + buf.length >= size)) {
      result.stop = decoded.stop
      if (decoded.detail) result.detail = decoded.detail
    }
    return result
  } finally {
    closeSync(fd)
  }
}

export interface SpoolRunDir {
  runId: string
  path: string
  files: { writerId: string; path: string; size: number; createdAt: number }[]
}

/** Every run directory of a spool and the writer files in it. */
export function listSpool(spoolRoot: string): SpoolRunDir[] {
  if (!existsSync(spoolRoot)) return []
  const out: SpoolRunDir[] = []
  for (const entry of readdirSync(spoolRoot, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const path = join(spoolRoot, entry.name)
    const files: SpoolRunDir['files'] = []
    for (const f of readdirSync(path)) {
      if (!f.endsWith(SPOOL_FILE_SUFFIX)) continue
      const p = join(path, f)
      const stat = statSync(p)
      // Where a file system keeps no birth time, the last write stands in for it.
      const createdAt = stat.birthtimeMs > 0 ? stat.birthtimeMs : stat.mtimeMs
      files.push({ writerId: f.slice(0, -SPOOL_FILE_SUFFIX.length), path: p, size: stat.size, createdAt })
    }
    files.sort((a, b) => a.path.localeCompare(b.path))
    out.push({ runId: entry.name, path, files })
  }
  return out
}

/** `run.json`: written once when a run is created, so runs can be found by name cheaply. */
export interface RunIndex {
  id: string
  project: string
  name: string
  createdAt: number
}

export function readRunIndex(runDir: string): RunIndex | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(runDir, RUN_INDEX_FILE), 'utf8')) as RunIndex
    return typeof parsed.id === 'string' && typeof parsed.project === 'string' ? parsed : undefined
  } catch {
    return undefined
  }
}

export interface RunSpoolScan {
  /** Highest step of any writer's points but system metrics' (see `countsAsStep`), or -1 when none. */
  lastStep: number
  records: number
}

/** Read every writer file of one run: what `resume` needs to continue at last step + 1. */
export function scanRunSpool(runDir: string): RunSpoolScan {
  let lastStep = -1
  let records = 0
  for (const f of readdirSync(runDir)) {
    if (!f.endsWith(SPOOL_FILE_SUFFIX)) continue
    const path = join(runDir, f)
    let offset = 0
    for (;;) {
      const read = readSpoolFile(path, offset)
      for (const r of read.records) {
        records++
        if (r.kind !== KIND_POINTS) continue
        const { steps, counts, keyIndex, keys } = r.points
        let k = 0
        for (let i = 0; i < steps.length; i++) {
          const end = k + (counts[i] as number)
          for (; k < end; k++) {
            if ((steps[i] as number) > lastStep && countsAsStep(keys[keyIndex[k] as number] as string)) lastStep = steps[i] as number
          }
        }
      }
      if (read.stop || read.nextOffset >= read.size || read.nextOffset === offset) break
      offset = read.nextOffset
    }
  }
  return { lastStep, records }
}

/**
 * The event records of a spool file, stepping over points records by their length without
 * reading them: finding a run's artifacts in gigabytes of points reads a few kilobytes.
 * Stops quietly at a damaged or unfinished tail, as ingest does.
 */
export function readSpoolEvents(path: string): { seq: number; event: SpoolEvent }[] {
  const out: { seq: number; event: SpoolEvent }[] = []
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    if (size < MAGIC.length || !hasMagic(readAt(fd, 0, MAGIC.length))) return out
    let offset = MAGIC.length
    while (offset + RECORD_HEADER_BYTES + BODY_HEADER_BYTES <= size) {
      const head = readAt(fd, offset, RECORD_HEADER_BYTES + BODY_HEADER_BYTES)
      const length = head.readUInt32LE(0)
      const end = offset + RECORD_HEADER_BYTES + length
      if (length < BODY_HEADER_BYTES || length % 8 !== 0 || end > size) break
      if (head.readUInt8(RECORD_HEADER_BYTES + 8) === KIND_EVENT) {
        const decoded = decodeRecords(readAt(fd, offset, end - offset))
        const record = decoded.records[0]
        if (record?.kind !== KIND_EVENT) break
        out.push({ seq: record.seq, event: record.event })
      }
      offset = end
    }
    return out
  } finally {
    closeSync(fd)
  }
}
