import type { JsonValue, RunStatus, SpoolRecord, ValueKind } from '@tally/sdk/spool'
import type { ArtifactNameInfo, ArtifactVersionInfo } from './artifacts.js'

export type { ArtifactNameInfo, ArtifactVersionInfo } from './artifacts.js'

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
   * has not seen that do not start with it are rejected with `spool_format`. A record whose
   * seq skips past acknowledged + 1 is rejected with `seq_gap` (the caller resends from the
   * acknowledged seq; nothing after the gap is applied).
   *
   * `workspace` (default "default") is where a new run is created; a run event naming a run
   * id that lives in another workspace is rejected with `run_exists`, and records of a
   * writer registered in another workspace with `not_found`, so one workspace never writes
   * into another's data. Records of a writer whose run was deleted are acknowledged and
   * dropped: the user deleted that run on purpose. A writer new to the store naming a
   * deleted run's id gets `run_exists`.
   * Returns the highest acknowledged seq for the writer.
   */
  ingest(writerId: string, records: readonly SpoolRecord[], options?: IngestOptions): Promise<IngestAck>

  /** Where a writer's ingest stands, or undefined for an unknown writer. */
  writerState(writerId: string): Promise<WriterState | undefined>

  /**
   * A new workspace. Names: 1–255 characters of `[A-Za-z0-9._-]`, else `invalid_name`; a
   * taken name gives `already_exists`. The store always has the workspace "default".
   */
  createWorkspace(name: string): Promise<WorkspaceInfo>

  /** Every workspace, by name. */
  listWorkspaces(): Promise<WorkspaceInfo[]>

  /** Projects of one workspace (default "default"), most recently active first. */
  listProjects(workspace?: string): Promise<ProjectInfo[]>

  /** Runs of one project, filtered, sorted and paged. Unknown project: an empty page. */
  listRuns(query: RunQuery): Promise<RunPage>

  /** One run, or undefined. */
  getRun(runId: string): Promise<RunInfo | undefined>

  /**
   * Change a run's descriptive fields or its status (e.g. mark a crashed run failed).
   * Unknown run: `not_found`. Validation as for `init` (`invalid_name`, `invalid_tags`).
   */
  updateRun(runId: string, patch: RunPatch): Promise<RunInfo>

  /** Delete a run and all its series. Unknown run: `not_found`. */
  deleteRun(runId: string): Promise<void>

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
   * the value and wall time at the last step, and the count. NaN is ignored by min and max (a bucket of
   * only NaN has NaN for both); ±Infinity take part. Deterministic.
   */
  readBuckets(query: BucketQuery): Promise<SeriesBuckets>

  /**
   * Metadata logged with points (`log(…, { metadata })`), by key then step, optionally of
   * one key and within [from, to]; at most `limit` (default 1,000, at most 10,000) entries.
   * Unknown run: `not_found`.
   */
  readMetadata(query: MetadataQuery): Promise<PointMetadata[]>

  /**
   * Console lines of a run (stdout and stderr, `run.console`), in the order written, each
   * numbered by `seq` (1, 2, … per run). Forward: the lines after `after` (default 0).
   * Backward, with `before`: the last `limit` lines before that seq, still in order (pass
   * `Number.MAX_SAFE_INTEGER` for the end). At most `limit` lines (default 1,000, at most
   * 10,000). Unknown run: `not_found`; a bad `after`, `before` or `limit`: `invalid_query`.
   */
  readConsole(query: ConsoleQuery): Promise<ConsoleLineInfo[]>

  /**
   * Artifacts of a project (logged with `run.logArtifact`), one item per name, by name.
   * Unknown project: empty.
   */
  listArtifacts(project: string, workspace?: string): Promise<ArtifactNameInfo[]>
  /** Versions of one artifact, newest first. Unknown artifact: empty. */
  listArtifactVersions(project: string, name: string, workspace?: string): Promise<ArtifactVersionInfo[]>
  /**
   * One version by `ref`: `v3`, `latest` or an alias. Undefined when there is none; a ref of
   * another shape: `invalid_argument`.
   */
  getArtifact(project: string, name: string, ref: string, workspace?: string): Promise<ArtifactVersionInfo | undefined>
  /** The artifact versions a run logged, in the order it logged them. Unknown run: `not_found`. */
  runArtifacts(runId: string): Promise<ArtifactVersionInfo[]>

  /**
   * Rich values (`Table`, `Histogram`, `Image`, `Markdown`) of a run, by key then step,
   * optionally of one key and within [from, to]; at most `limit` (default 100, at most 1,000).
   * An image's entry describes it; its bytes come from `valueImage`. Unknown run:
   * `not_found`; a bad range or limit: `invalid_query`.
   */
  readValues(query: ValueQuery): Promise<RunValueInfo[]>

  /** The rich value keys of a run, sorted by key, each with its steps. Unknown run: `not_found`. */
  valueKeys(runId: string): Promise<ValueKeyInfo[]>

  /** The bytes of an image value, or undefined when there is no image at (key, step). Unknown run: `not_found`. */
  valueImage(runId: string, key: string, step: number): Promise<{ mime: string; bytes: Buffer } | undefined>

  /** Every point of a project, run by run and key by key, for export. */
  exportPoints(project: string, workspace?: string): AsyncIterable<ExportChunk>

  /** Store an API key's hash. The plaintext key never reaches the store. */
  createKey(key: NewApiKey): Promise<ApiKeyInfo>

  /** The live (not revoked) key with this hash, or undefined. */
  keyByHash(hash: string): Promise<ApiKeyInfo | undefined>

  /** Keys of one workspace, or of all when absent, revoked ones included, newest first. */
  listKeys(workspace?: string): Promise<ApiKeyInfo[]>

  /** Revoke a key by id; revoking twice is harmless. Unknown id: `not_found`. */
  revokeKey(id: string): Promise<void>

  /**
   * Be told of every change: new points (with the keys that got them) and run changes
   * (created, status, meta, config, summary, deleted). Changes made through this store
   * object are reported; a networked backend also reports changes made by other server
   * processes on the same database (PostgreSQL: LISTEN/NOTIFY). Listeners run after the
   * change is committed. Returns a function that stops the listener.
   */
  watch(listener: (change: StoreChange) => void): () => void

  close(): Promise<void>
}

export interface IngestOptions {
  /** Spool file and offset just past these records, saved with the acknowledgement. */
  source?: SpoolSource
  /** Workspace for new runs and the writer; default "default". */
  workspace?: string
  /**
   * When a server received these records, by its clock (ms). Given, the writer's liveness
   * and the run's heartbeat go by it instead of the records' own times, which come from the
   * client's clock; a client whose clock is off then never reads as crashed (or alive) by it.
   */
  receivedAt?: number
}

export interface WorkspaceInfo {
  name: string
  createdAt: number
}

export type ApiKeyRole = 'owner' | 'writer' | 'viewer'

export interface NewApiKey {
  /** Public id (e.g. `key_…`), shown in listings and used to revoke. */
  id: string
  workspace: string
  role: ApiKeyRole
  /** Hex sha256 of the whole key. */
  hash: string
  /** The first characters of the key, to recognise it in a listing (`tally_sk_ab12…`). */
  prefix: string
  name: string | null
}

export interface ApiKeyInfo {
  id: string
  workspace: string
  role: ApiKeyRole
  prefix: string
  name: string | null
  createdAt: number
  revokedAt: number | null
}

export interface RunPatch {
  name?: string
  group?: string | null
  tags?: string[]
  description?: string | null
  /** Only the end states may be set by hand. */
  status?: 'finished' | 'failed' | 'crashed'
}

export type StoreChange =
  | { type: 'points'; workspace: string; project: string; runId: string; keys: string[] }
  | { type: 'run'; workspace: string; project: string; runId: string; deleted?: boolean }
  /** New console lines of the run, for a reader to fetch `after` the last it has. */
  | { type: 'console'; workspace: string; project: string; runId: string }

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
  workspace: string
  ackedSeq: number
  file: string | null
  offset: number
  host: string
  pid: number
  lastSeenAt: number
}

export interface ProjectInfo {
  name: string
  workspace: string
  runs: number
  createdAt: number
  lastActivityAt: number
}

export interface RunInfo {
  id: string
  name: string
  project: string
  workspace: string
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
  /** Default "default". */
  workspace?: string
  project: string
  /** Exact name. */
  name?: string
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
    /** Wall time (ms since the epoch) of the point at the last step. */
    time: Float64Array
    count: Float64Array
  }
}

export interface MetadataQuery {
  runId: string
  key?: string
  from?: number
  to?: number
  limit?: number
}

export interface PointMetadata {
  key: string
  step: number
  metadata: { [key: string]: JsonValue }
}

export interface ConsoleQuery {
  runId: string
  after?: number
  before?: number
  limit?: number
}

export interface ConsoleLineInfo {
  seq: number
  stream: 'stdout' | 'stderr'
  /** When it was written, ms since the epoch. */
  at: number
  text: string
  /** Present when the line was cut at 16 Ki characters. */
  truncated?: true
}

export interface ValueQuery {
  runId: string
  key?: string
  from?: number
  to?: number
  limit?: number
}

export interface RunValueInfo {
  key: string
  step: number
  kind: ValueKind
  /** When it was logged, ms since the epoch. */
  at: number
  /** Table `{columns, rows}`, histogram `{edges, counts}`, image `{mime, bytes, width, height, caption}`, markdown `{text}`. */
  value: JsonValue
}

export interface ValueKeyInfo {
  key: string
  /** The kind at the key's last step. */
  kind: ValueKind
  count: number
  lastStep: number
  /** Every step with a value, ascending. */
  steps: number[]
}

export interface ExportChunk {
  runId: string
  runName: string
  key: string
  steps: Float64Array
  times: Float64Array
  values: Float64Array
}
