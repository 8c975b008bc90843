import { listSpool, readSpoolFile, spoolDir } from '@tally/sdk/spool'
import type { Store } from '../store/store.js'

export interface IngestProblem {
  file: string
  offset: number
  /** `corrupt`: a torn or damaged record; everything before it was ingested. */
  kind: 'corrupt'
  detail: string
}

export interface IngestReport {
  files: number
  /** Files that had new records. */
  filesWithNew: number
  records: number
  points: number
  problems: IngestProblem[]
}

export interface IngestOptions {
  /** Bytes read per transaction. Default 16 MiB. */
  readBytes?: number
  /**
   * Sizes of files as far as an earlier call of this process ingested them; files that have
   * not grown are skipped without asking the store. Pass the same map on every call (a
   * follower polling the spool does), and it is kept up to date.
   */
  seen?: Map<string, number>
}

/**
 * Drain every spool file under `tallyDir` into `store`, from where the last ingest stopped.
 * Incremental (each writer's byte offset is saved with its data), resumable (a crash in the
 * middle loses nothing: the offset did not move), idempotent (records carry sequence numbers
 * the store acknowledges) and safe while writers are still appending (a record cut off at
 * the end of a file is left for the next ingest).
 */
export async function ingestSpool(store: Store, tallyDir: string, options: IngestOptions = {}): Promise<IngestReport> {
  const report: IngestReport = { files: 0, filesWithNew: 0, records: 0, points: 0, problems: [] }
  // Oldest file first, across runs: the store numbers artifact versions in the order it takes
  // them, so runs that logged one after another get v0, v1, … in that order.
  const files = listSpool(spoolDir(tallyDir))
    .flatMap((run) => run.files)
    .sort((a, b) => a.createdAt - b.createdAt || a.path.localeCompare(b.path))
  for (const file of files) {
    report.files++
    if (options.seen?.get(file.path) === file.size) continue
    const state = await store.writerState(file.writerId)
    let offset = state?.file === file.path ? state.offset : 0
    if (offset >= file.size && offset > 0) {
      options.seen?.set(file.path, file.size)
      continue
    }
    let sawNew = false
    let done = false
    for (;;) {
      const read = readSpoolFile(file.path, offset, options.readBytes)
      if (read.records.length > 0) {
        const ack = await store.ingest(file.writerId, read.records, { source: { file: file.path, offset: read.nextOffset } })
        report.records += ack.applied
        report.points += ack.points
        if (ack.applied > 0) sawNew = true
      }
      if (read.stop === 'corrupt') {
        report.problems.push({ file: file.path, offset: read.nextOffset, kind: 'corrupt', detail: read.detail ?? 'damaged record' })
      }
      // Everything up to the size listed was read, or nothing more can be until the file grows.
      done = read.stop === 'corrupt' || read.nextOffset >= file.size
      if (read.stop || read.nextOffset >= read.size || read.nextOffset === offset) break
      offset = read.nextOffset
    }
    if (done) options.seen?.set(file.path, file.size)
    if (sawNew) report.filesWithNew++
  }
  return report
}
