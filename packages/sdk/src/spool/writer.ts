import { closeSync, fdatasync, fsyncSync, ftruncateSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { TallyError } from '../errors.js'
import { encodeEvent, encodeHeader, encodePoints } from './codec.js'
import type { PointsBatch, SpoolEvent } from './format.js'
import { RUN_INDEX_FILE, type RunIndex, SPOOL_FILE_SUFFIX } from './reader.js'

export const spoolDir = (tallyDir: string): string => join(tallyDir, 'spool')

/**
 * Appends records to one spool file: `<dir>/spool/<run id>/<writer id>.tsp`. One writer per
 * process and run, so writers never share a file and need no locks.
 *
 * Records are encoded at once but written by `commit()`, synchronously: a write to the page
 * cache takes microseconds, survives the process being killed, and keeps records in order
 * even when the process is exiting. `fdatasync` then runs off the main thread so the data
 * also survives a power cut within about a second.
 *
 * A failed write (disk full, I/O error) keeps the pending records and truncates any partial
 * record away, so the next `commit()` retries cleanly and the file never holds garbage
 * between valid records.
 */
export class SpoolWriter {
  readonly path: string
  private fd: number
  private seq = 0
  private pending: Buffer[] = []
  private committed: number
  private syncing = false
  private syncAgain = false
  private closed = false

  constructor(tallyDir: string, runId: string, writerId: string) {
    const runDir = join(spoolDir(tallyDir), runId)
    mkdirSync(runDir, { recursive: true })
    this.path = join(runDir, `${writerId}${SPOOL_FILE_SUFFIX}`)
    this.fd = openSync(this.path, 'wx')
    const header = encodeHeader()
    writeSync(this.fd, header)
    this.committed = header.length
  }

  /** Records queued but not yet written. */
  get pendingRecords(): number {
    return this.pending.length
  }

  /** Sequence number of the last record queued. */
  get lastSeq(): number {
    return this.seq
  }

  event(event: SpoolEvent): void {
    this.pending.push(encodeEvent(++this.seq, event))
  }

  points(batch: PointsBatch): void {
    this.pending.push(encodePoints(++this.seq, batch))
  }

  /** Write every queued record. Throws `spool_io` (records stay queued) when the write fails. */
  commit(): void {
    if (this.closed) throw new TallyError('spool_io', `spool file ${this.path} is closed`)
    while (this.pending.length > 0) {
      const buf = this.pending[0] as Buffer
      let written = 0
      try {
        while (written < buf.length) written += writeSync(this.fd, buf, written, buf.length - written, this.committed + written)
      } catch (e) {
        if (written > 0) {
          try {
            ftruncateSync(this.fd, this.committed)
          } catch {
            // The next successful write starts at `committed` anyway and overwrites the torn bytes.
          }
        }
        throw new TallyError(
          'spool_io',
          `could not write to ${this.path}: ${(e as Error).message}; Tally keeps the data in memory and retries`,
          {
            cause: e,
          },
        )
      }
      this.committed += buf.length
      this.pending.shift()
    }
    this.scheduleSync()
  }

  private scheduleSync(): void {
    if (this.syncing) {
      this.syncAgain = true
      return
    }
    this.syncing = true
    fdatasync(this.fd, () => {
      this.syncing = false
      if (this.closed) {
        closeSync(this.fd)
        return
      }
      if (this.syncAgain) {
        this.syncAgain = false
        this.scheduleSync()
      }
    })
  }

  /** Commit, sync to disk and close. Safe to call twice. */
  close(): void {
    if (this.closed) return
    this.commit()
    fsyncSync(this.fd)
    this.closed = true
    // An fdatasync still in flight closes the fd when it returns.
    if (!this.syncing) closeSync(this.fd)
  }
}

/** Write `run.json` atomically beside a new run's spool files. */
export function writeRunIndex(tallyDir: string, index: RunIndex): void {
  const runDir = join(spoolDir(tallyDir), index.id)
  mkdirSync(runDir, { recursive: true })
  const tmp = join(runDir, `.${RUN_INDEX_FILE}.${process.pid}.tmp`)
  writeFileSync(tmp, `${JSON.stringify(index)}\n`)
  renameSync(tmp, join(runDir, RUN_INDEX_FILE))
}
