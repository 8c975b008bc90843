import type { JsonValue, RunStatus, SpoolRecord } from '@tally/sdk/spool'

/**
 * The one narrow interface every backend implements (SQLite now, PostgreSQL later). Every
 * method is async so a networked backend fits; the SQLite backend answers synchronously
 * inside. One contract test suite (`store.contract.test.ts`) runs against every backend.
 *
 * Numbers: values are float64 and NaN, +Infinity, -Infinity are kept exactly. Steps are
 * integers in [0, 2^53). Times are milliseconds since the epoch.
 */
export interface Store {
  /**
   * Apply spool records from one writer, in order, in one transaction. Idempotent on
   * (writer id, seq): records with `seq` at or below the writer's acknowledged sequence are
   * skipped, so a replay never duplicates. `source` (a spool file and the byte offset just
   * past these records) is saved with the acknowledgement in the same transaction, so a
   * local ingest resumes where it stopped.
   *
   * A writer's first record must be its `run` event (seq 1); records of a writer the store
   * has not seen that do not start with it are rejected with `spool_format`.
   * Returns the highest acknowledged seq for the writer.
   */
  ingest(writerId: string, records: readonly SpoolRecord[], source?: SpoolSource): Promise<IngestAck>

  /** Where a writer's ingest stands, or undefined for an unknown writer. */
  writerState(writerId: string): Promise<WriterState | undefined>

  listProjects(): Promise<ProjectInfo[]>

  /** Runs of one project, filtered, sorted and paged. Unknown project: an empty page. */
  listRuns(query: RunQuery): Promise<RunPage>

  /** One run, or undefined. */
  getRun(runId: string): Promise<RunInfo | undefined>

  /** The metric keys of a run, sorted by key. Unknown run: `not_found`. */
  metricKeys(runId: string): Promise<MetricKeyInfo[]>

  /**
   * Raw points of one series in step order, optionally within [from, to] (inclusive), or
   * only the points newer than `since` (a cursor from an earlier answer). Unknown run or key:
   * `not_found`. Each answer carries a cursor for the next `since` read.
   */
  readSeries(query: SeriesQuery): Promise<SeriesRaw>

  /**
   * One series downsampled into at most `buckets` buckets over [from, to] (default: the
   * whole series). Buckets are aligned to multiples of their width w (bucket b covers steps
   * [b*w, (b+1)*w - 1]), so boundaries stay put as points arrive, and w is the smallest
   * power of two for which [from, to] touches no more than `buckets` of them.
   * Empty buckets are left out. Per bucket: first and last step present, min and max value,
   * the value at the last step, and the count. NaN is ignored by min and max (a bucket of
   * only NaN has NaN for both); ±Infinity take part. Deterministic.
   */
  readBuckets(query: BucketQuery): Promise<SeriesBuckets>

  /** Every point of a project, run by run and key by key, for export. */
  exportPoints(project: string): AsyncIterable<ExportChunk>

  close(): Promise<void>
}

export interface SpoolSource {
  file: string
  offset: number
}

export interface IngestAck {
  writerId: string
  /** Highest seq applied so far for this writer. */
  ackedSeq: number
  /** How many of the given records were new. */
  applied: number
  /** Points stored by this call. */
  points: number
}

export interface WriterState {
  writerId: string
  runId: string
  ackedSeq: number
  file: string | null
  offset: number
  host: string
  pid: number
  lastSeenAt: number
}

export interface ProjectInfo {
  name: string
  runs: number
  createdAt: number
  lastActivityAt: number
}

export interface RunInfo {
  id: string
  name: string
  project: string
  /** As stored, except that a `running` run whose writers are all gone reads `crashed`. */
  status: RunStatus
  group: string | null
  tags: string[]
  description: string | null
  config: { [key: string]: JsonValue }
  /** Last logged value of every metric, then explicit summary entries, then results. */
  summary: { [key: string]: JsonValue }
  results: { [key: string]: number }
  createdAt: number
  updatedAt: number
  finishedAt: number | null
  heartbeatAt: number
  /** Highest step logged, or null when nothing was. */
  lastStep: number | null
  error: string | null
  system: { [key: string]: JsonValue }
}

export type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>='

/** `config.lr > 0.001`, `summary.loss <= 0.2`, `name = "x"`, etc. */
export interface Condition {
  /** `config.<path>`, `summary.<path>`, or one of name, status, group, createdAt. Paths use `.`. */
  field: string
  op: Comparison
  value: string | number | boolean | null
}

export interface RunQuery {
  project: string
  status?: RunStatus
  group?: string
  tag?: string
  /** Case-insensitive substring of the name. */
  search?: string
  where?: Condition[]
  /** `createdAt` (default), `name`, `status`, `updatedAt`, or `config.<path>` / `summary.<path>`. */
  sort?: string
  order?: 'asc' | 'desc'
  /** 1..1000, default 100. */
  limit?: number
  offset?: number
}

export interface RunPage {
  runs: RunInfo[]
  total: number
  offset: number
  limit: number
}

export interface MetricKeyInfo {
  key: string
  count: number
  firstStep: number
  lastStep: number
  lastValue: number
}

export interface SeriesQuery {
  runId: string
  key: string
  from?: number
  to?: number
  /** Cursor from an earlier answer: only points that arrived after it. */
  since?: string
}

export interface SeriesRaw {
  run: string
  key: string
  steps: Float64Array
  /** Wall time in ms since the epoch (millisecond precision). */
  times: Float64Array
  values: Float64Array
  /** Pass as `since` to get only what comes after this answer. */
  cursor: string
  /**
   * True when points at or before the cursor were replaced since it was issued (a run
   * resumed from a checkpoint re-logged old steps): this answer is the whole series (within
   * from/to), not a delta, and the reader should replace what it holds.
   */
  reset: boolean
}

export interface BucketQuery {
  runId: string
  key: string
  /** 1..100000. */
  buckets: number
  from?: number
  to?: number
}

export interface SeriesBuckets {
  run: string
  key: string
  /** Bucket width in steps (a power of two). */
  width: number
  buckets: {
    first: Float64Array
    last: Float64Array
    min: Float64Array
    max: Float64Array
    value: Float64Array
    count: Float64Array
  }
}

export interface ExportChunk {
  runId: string
  runName: string
  key: string
  steps: Float64Array
  times: Float64Array
  values: Float64Array
}
