/**
 * The spool format, version 1. `docs/spool-format.md` is its specification; this file and
 * `codec.ts` are the reference implementation. All integers and floats are little-endian.
 *
 *   file    = MAGIC record*
 *   record  = length:u32 crc32:u32 body[length]          (length is a multiple of 8)
 *   body    = seq:u64 kind:u8 zero[7] payload zero-padding
 *
 * Records start on 8-byte boundaries, so a reader can view float arrays in place.
 */
import type { RunStatus } from '../api-types.js'
import type { ArtifactEntry } from '../artifacts/manifest.js'
import type { ConsoleLine } from '../capture/console-lines.js'
import type { JsonValue } from '../json.js'
import type { ValueKind } from '../values/rich.js'

export type { ConsoleLine, ConsoleStream } from '../capture/console-lines.js'

/** "TSPOOL" + format version 1 + newline: 8 bytes. */
export const MAGIC = Buffer.from('TSPOOL1\n', 'latin1')
export const RECORD_HEADER_BYTES = 8
export const BODY_HEADER_BYTES = 16
/** A record body may not exceed this; larger batches are split by the writer. */
export const MAX_BODY_BYTES = 256 * 1024 * 1024

export const KIND_EVENT = 1
export const KIND_POINTS = 2

/**
 * System metrics (`system/*`) are stepped by seconds since the run started, not by the
 * user's steps, so they never count towards a run's last step (where a resume continues).
 */
export function countsAsStep(key: string): boolean {
  return !key.startsWith('system/')
}

// One list of statuses for the spool, the store and the API.
export type { RunStatus }

/** Who wrote a spool file: one process writing one run. */
export interface WriterInfo {
  /** Random id, also the file name. */
  id: string
  host: string
  pid: number
  /** e.g. "node/20.20.2 tally-sdk/0.1.0" */
  runtime: string
  startedAt: number
}

/** The first record of every spool file: the run as its writer opened it. */
export interface RunEvent {
  type: 'run'
  at: number
  writer: WriterInfo
  id: string
  project: string
  name: string
  group: string | null
  tags: string[]
  description: string | null
  config: { [key: string]: JsonValue }
  createdAt: number
  /** True when this writer resumed an existing run. */
  resumed: boolean
  /**
   * The resume mode `init` was given. With `never`, a store that already has this run id
   * refuses the event (`run_exists`) rather than joining a run someone else started.
   * Absent in spool files of Tally 0.1: read as `allow`.
   */
  resume?: 'never' | 'allow' | 'must'
  system: { [key: string]: JsonValue }
}

/** Shallow merge into the run's config. */
export interface ConfigEvent {
  type: 'config'
  at: number
  config: { [key: string]: JsonValue }
}

/** Shallow merge into the run's explicit summary (wins over last logged values). */
export interface SummaryEvent {
  type: 'summary'
  at: number
  summary: { [key: string]: JsonValue }
}

/** A final result (Tora's `tresult`, `run.result`). Results also appear in the summary. */
export interface ResultEvent {
  type: 'result'
  at: number
  key: string
  value: number
}

export interface StatusEvent {
  type: 'status'
  at: number
  status: Exclude<RunStatus, 'running' | 'crashed'>
  /** Why the run failed: an exception message or the signal that ended it. */
  error?: string
  exitCode?: number
}

/** Written when nothing else was for a while, so a live run is told from a dead one. */
export interface HeartbeatEvent {
  type: 'heartbeat'
  at: number
}

/** Changes to the run's descriptive fields after `init`. */
export interface MetaEvent {
  type: 'meta'
  at: number
  name?: string
  group?: string | null
  tags?: string[]
  description?: string | null
}

/**
 * Metadata of the points logged at `step` for `keys` (Tora's per-point metadata): a JSON
 * object of at most 10 KB. Logged again at the same (key, step), it replaces the earlier one.
 */
export interface MetadataEvent {
  type: 'metadata'
  at: number
  step: number
  keys: string[]
  metadata: { [key: string]: JsonValue }
}

/**
 * Console output (stdout and stderr) of the writer's process, whole lines in the order
 * written. A line longer than 16 Ki characters is cut and carries `truncated: true`.
 */
export interface ConsoleEvent {
  type: 'console'
  at: number
  lines: ConsoleLine[]
}

/**
 * A version of an artifact logged by the run: its manifest (files by sha256, whose bytes are
 * in the blob store, JSON objects, references). The store numbers versions per (project,
 * name); the same digest logged again is the same version.
 */
export interface ArtifactEvent {
  type: 'artifact'
  at: number
  name: string
  /** One of `ARTIFACT_TYPES` (Tracelet's `ArtifactType` values). */
  artifactType: string
  description: string | null
  metadata: { [key: string]: JsonValue }
  /** Aliases to point at this version (`latest` moves by itself). */
  aliases: string[]
  /** `manifestDigest(artifactType, entries)`. */
  digest: string
  /** Sorted by path. */
  entries: ArtifactEntry[]
}

/**
 * A rich value logged at `step` under `key` (`run.log({ preds: new Table(…) })`): `value`
 * is its JSON (tagged), and an image's bytes travel base64 in `data`. Logged again at the
 * same (key, step), it replaces the earlier one.
 */
export interface ValueEvent {
  type: 'value'
  at: number
  step: number
  key: string
  kind: ValueKind
  value: JsonValue
  data?: string
}

export type SpoolEvent =
  | RunEvent
  | ConfigEvent
  | SummaryEvent
  | ResultEvent
  | StatusEvent
  | HeartbeatEvent
  | MetaEvent
  | MetadataEvent
  | ConsoleEvent
  | ArtifactEvent
  | ValueEvent

/**
 * A batch of logged rows, column-wise. Row r has step `steps[r]`, wall time `times[r]`
 * (ms since the epoch) and `counts[r]` values; the values of all rows follow one another
 * in `keyIndex`/`values`, `keyIndex` pointing into `keys`.
 */
export interface PointsBatch {
  keys: string[]
  steps: Float64Array
  times: Float64Array
  counts: Uint32Array
  keyIndex: Uint32Array
  values: Float64Array
}

export type SpoolRecord =
  | { seq: number; kind: typeof KIND_EVENT; event: SpoolEvent }
  | { seq: number; kind: typeof KIND_POINTS; points: PointsBatch }
