/**
 * Every error Tally raises on purpose carries one of these codes. The list is the contract
 * shared by the SDK, the CLI, the server's JSON errors and the Python client: a code, once
 * published, keeps its meaning. Add new codes; never rename one.
 */
export const ERROR_CODES = {
  /** A required option or argument is missing or has the wrong type. */
  invalid_argument: 'invalid_argument',
  /** A project name is empty, too long, or not a string. */
  invalid_project: 'invalid_project',
  /** A run name, group or description breaks its limits. */
  invalid_name: 'invalid_name',
  /** Tags are not an array of short, non-empty strings. */
  invalid_tags: 'invalid_tags',
  /** Config is not a plain JSON object (functions, cycles, bigint, class instances). */
  invalid_config: 'invalid_config',
  /** A metric key is empty, longer than 255 characters or not a string. */
  invalid_key: 'invalid_key',
  /** A metric value is not a number. */
  invalid_value: 'invalid_value',
  /** A rich value (Table, Histogram, Image, Markdown) is over its size limit. */
  value_too_large: 'value_too_large',
  /** A step is negative, fractional, not a number or beyond 2^53. */
  invalid_step: 'invalid_step',
  /** `resume` is not one of never, allow, must, or lacks an id or name. */
  invalid_resume: 'invalid_resume',
  /** `resume: 'must'` named a run that does not exist. */
  run_not_found: 'run_not_found',
  /** `resume: 'never'` named an id that already exists. */
  run_exists: 'run_exists',
  /** The run was finished; log into a new or resumed run instead. */
  run_finished: 'run_finished',
  /** A module-level call (`tally.log`, `tally.config`, …) came before `tally.init`. */
  no_active_run: 'no_active_run',
  /** Writing to the spool failed; the SDK keeps the data in memory and retries. */
  spool_io: 'spool_io',
  /** A spool file is not in Tally's spool format. */
  spool_format: 'spool_format',
  /** A project, run or metric key does not exist. */
  not_found: 'not_found',
  /** A series cursor is malformed. */
  invalid_cursor: 'invalid_cursor',
  /** A query parameter (filter, sort, limit, bucket count, range) is out of range. */
  invalid_query: 'invalid_query',
  /** The CLI did not recognise a command or option. */
  unknown_command: 'unknown_command',
  /** The store could not be opened or migrated. */
  store_unavailable: 'store_unavailable',
  /** A workspace (or other uniquely named thing) with this name exists already. */
  already_exists: 'already_exists',
  /** Spool records skipped past the acknowledged sequence; resend from `ackedSeq` + 1. */
  seq_gap: 'seq_gap',
  /** No API key, or one that is unknown or revoked (HTTP 401). */
  unauthorized: 'unauthorized',
  /** The key's role does not allow this (HTTP 403); e.g. a viewer key trying to log. */
  forbidden: 'forbidden',
  /** A write carried by the dashboard's session cookie came from another site's page (HTTP 403). */
  cross_origin: 'cross_origin',
  /** A request body over the server's limit (HTTP 413). */
  payload_too_large: 'payload_too_large',
  /** The request is not valid JSON or not what the route expects (HTTP 400). */
  invalid_request: 'invalid_request',
  /** The server could not be reached or answered with an error; the SDK keeps the data and retries. */
  server_unreachable: 'server_unreachable',
  /** Point metadata is not a plain JSON object, or is over 10 KB as JSON. */
  invalid_metadata: 'invalid_metadata',
  /** An artifact name or entry path is not allowed: absolute, `..`, a backslash, NUL (HTTP 400). */
  invalid_path: 'invalid_path',
  /** Uploaded bytes do not hash to the sha256 they were sent as; upload the blob again (HTTP 400). */
  digest_mismatch: 'digest_mismatch',
  /** An error Tally did not expect: a bug (HTTP 500). Report it with the server's log. */
  internal: 'internal',
} as const

export type ErrorCode = keyof typeof ERROR_CODES

/**
 * The one error class of Tally. `code` is stable and machine-readable; `message` says what
 * happened and what to do next.
 *
 * @example
 * try { run.log({ '': 1 }) } catch (e) { if (e instanceof TallyError && e.code === 'invalid_key') … }
 */
export class TallyError extends Error {
  readonly code: ErrorCode
  /** Machine-readable facts beside the message, e.g. `{ ackedSeq: 41 }` on `seq_gap`. */
  readonly details: Readonly<Record<string, string | number | boolean | null>> | undefined

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, string | number | boolean | null> }) {
    super(message, options)
    this.name = 'TallyError'
    this.code = code
    this.details = options?.details
  }

  /** `{ code, message, ...details }`: the `error` object of the server's JSON answers. */
  toJSON(): { code: ErrorCode; message: string; [detail: string]: string | number | boolean | null } {
    return { ...this.details, code: this.code, message: this.message }
  }
}

export function isTallyError(e: unknown): e is TallyError {
  return e instanceof TallyError
}
