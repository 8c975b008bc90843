/**
 * The JSON the HTTP API v1 answers (and the CLI's `--json` prints), as types. The server
 * builds its answers against them and the dashboard reads through them, so a field renamed
 * on one side fails the other's type check. Types only: this file has no runtime code and
 * imports nothing that needs Node, so browser code may import it (`@tally/sdk/api`).
 *
 * Times are ISO 8601 strings; NaN and ±Infinity inside configs and summaries are the
 * strings "NaN", "Infinity" and "-Infinity".
 */
import type { ErrorCode } from './errors.js'
import type { JsonValue } from './json.js'

export type RunStatus = 'running' | 'finished' | 'failed' | 'crashed'

/** A run: `GET /api/v1/runs/{id}`, and each item of a project's run list. */
export interface RunJson {
  id: string
  name: string
  project: string
  workspace: string
  /** A `running` run none of whose writers is alive reads `crashed`. */
  status: RunStatus
  group: string | null
  tags: string[]
  config: { [key: string]: JsonValue }
  /** Last logged value of every metric, then explicit summary entries, then results. */
  summary: { [key: string]: JsonValue }
  createdAt: string | null
  description: string | null
  results: { [key: string]: JsonValue }
  updatedAt: string | null
  finishedAt: string | null
  /** When the server last heard from the run's writers. */
  heartbeatAt: string | null
  /** Highest step logged, or null when nothing was. */
  lastStep: number | null
  error: string | null
  system: { [key: string]: JsonValue }
}

/** `GET /api/v1/workspaces/{ws}/projects/{project}/runs`. */
export interface RunPageJson {
  runs: RunJson[]
  /** Runs matching the filters, all pages together. */
  total: number
  offset: number
  limit: number
}

/** Each item of `GET /api/v1/workspaces/{ws}/projects`, most recently active first. */
export interface ProjectJson {
  name: string
  workspace: string
  runs: number
  createdAt: string | null
  lastActivityAt: string | null
}

/** Every error answer: a stable code and a message that says what to do. */
export interface ErrorJson {
  error: { code: ErrorCode; message: string; [detail: string]: string | number | boolean | null }
}

/** A number in a series answer: NaN and ±Infinity come as strings. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity'

/** Each item of `GET /api/v1/runs/{id}/keys`. */
export interface MetricKeyJson {
  key: string
  count: number
  firstStep: number
  lastStep: number
  lastValue: JsonNumber
}

/**
 * `GET /api/v1/runs/{id}/series?key=K&buckets=N`: the series cut into buckets of `width`
 * steps (a power of two), column-wise; empty buckets are left out. Per bucket: its first
 * and last step present, min and max value, the value and wall time (ms since the epoch)
 * at the last step, and the count.
 */
export interface SeriesBucketsJson {
  run: string
  key: string
  width: number
  buckets: {
    first: number[]
    last: number[]
    min: JsonNumber[]
    max: JsonNumber[]
    value: JsonNumber[]
    time: number[]
    count: number[]
  }
}

/** Each line of `GET /api/v1/runs/{id}/console` and of the run stream's `console` events. */
export interface ConsoleLineJson {
  /** 1, 2, … per run, in the order written. */
  seq: number
  stream: 'stdout' | 'stderr'
  /** When it was written, ms since the epoch. */
  at: number
  text: string
  /** Present when the line was cut at 16,384 characters. */
  truncated?: true
}

/** `GET /api/v1/runs/{id}/console`: the lines, and the seq to pass as `after` for newer ones. */
export interface ConsolePageJson {
  lines: ConsoleLineJson[]
  next: number
}

/** One entry of an artifact version: a file (bytes in the blob store), a JSON object, or an external reference. */
export type ArtifactEntryJson =
  | { kind: 'file'; path: string; size: number; sha256: string }
  | { kind: 'object'; path: string; value: JsonValue }
  | { kind: 'reference'; path: string; uri: string }

/** Each item of `GET /api/v1/workspaces/{ws}/projects/{project}/artifacts`. */
export interface ArtifactJson {
  name: string
  /** One of Tracelet's ArtifactType values (`model`, `dataset`, …), of the latest version. */
  type: string
  /** `v3`: the highest version. */
  latest: string
  versions: number
  updatedAt: string | null
}

/** One version: `GET …/artifacts/{name}/{version}`, and the items of `…/artifacts/{name}` and `/runs/{id}/artifacts`. */
export interface ArtifactVersionJson {
  workspace: string
  project: string
  name: string
  /** `v0`, `v1`, … */
  version: string
  type: string
  /** sha256 of the version's content; the same content logged again is the same version. */
  digest: string
  description: string | null
  metadata: { [key: string]: JsonValue }
  /** `latest` when it is the newest, and the aliases set on it. */
  aliases: string[]
  /** Bytes of its files. */
  size: number
  /** The run that logged it first (it may have been deleted since). */
  runId: string
  createdAt: string | null
  /** Sorted by path. */
  entries: ArtifactEntryJson[]
}

/** A rich value's kind: what `run.log` was given (`Table`, `Histogram`, `Image`, `Markdown`). */
export type ValueKindJson = 'table' | 'histogram' | 'image' | 'markdown'

/**
 * Each item of `GET /api/v1/runs/{id}/values`. `value` by kind: table `{columns, rows}`
 * (non-finite cells as the strings "NaN", "Infinity", "-Infinity"), histogram
 * `{edges, counts}`, image `{mime, bytes, width, height, caption}` with `url` to fetch its
 * bytes, markdown `{text}`.
 */
export interface RunValueJson {
  key: string
  step: number
  kind: ValueKindJson
  /** When it was logged, ms since the epoch. */
  at: number
  value: unknown
  /** Images only: where their bytes are (`/api/v1/runs/{id}/values/{key}/{step}/image`). */
  url?: string
}

/** `GET /api/v1/runs/{id}/values`. */
export interface ValuePageJson {
  values: RunValueJson[]
}

/** Each item of `GET /api/v1/runs/{id}/value-keys`. */
export interface ValueKeyJson {
  key: string
  /** The kind at the key's last step. */
  kind: ValueKindJson
  count: number
  lastStep: number
  /** Every step with a value, ascending. */
  steps: number[]
}
