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
  for (const run of listSpool(spoolDir(tallyDir))) {
    for (const file of run.files) {
      report.files++
      const state = await store.writerState(file.writerId)
      let offset = state?.file === file.path ? state.offset : 0
      if (offset >= file.size && offset > 0) continue
      let sawNew = false
      for (;;) {
        const read = readSpoolFile(file.path, offset, options.readBytes)
        if (read.records.length > 0) {
          const ack = await store.ingest(file.writerId, read.records, { file: file.path, offset: read.nextOffset })
          report.records += ack.applied
          report.points += ack.points
          if (ack.applied > 0) sawNew = true
        }
        if (read.stop === 'corrupt') {
          report.problems.push({ file: file.path, offset: read.nextOffset, kind: 'corrupt', detail: read.detail ?? 'damaged record' })
        }
        if (read.stop || read.nextOffset >= read.size || read.nextOffset === offset) break
        offset = read.nextOffset
      }
      if (sawNew) report.filesWithNew++
    }
  }
  return report
}
