/**
 * The two calls a sender makes (docs/wire-format.md), with every answer sorted into what the
 * sender does next: go on, try again later, or take the server's refusal.
 */
import { ERROR_CODES, type ErrorCode, TallyError } from '../errors.js'
import type { RemoteTarget } from './target.js'

const SPOOL_MEDIA_TYPE = 'application/vnd.tally.spool'

/** A request that has not answered by then is treated like a network error, and retried. */
const REQUEST_TIMEOUT_MS = 30_000

export type Answer =
  /** 2xx with a JSON object. */
  | { kind: 'ok'; body: Record<string, unknown> }
  /** Network error, timeout, 408, 429 or 5xx: the records wait in the spool; try again. */
  | { kind: 'retry'; error: TallyError; timedOut?: boolean }
  /** Any other 4xx: the server's `{ error }` as a TallyError, details such as `ackedSeq` included. */
  | { kind: 'refused'; status: number; error: TallyError }

type Details = Record<string, string | number | boolean | null>

const writerPath = (workspace: string, writerId: string): string =>
  `/api/v1/workspaces/${encodeURIComponent(workspace)}/writers/${encodeURIComponent(writerId)}`

/** Where a writer stands: `GET …/writers/{id}`. */
export function getWriter(target: RemoteTarget, writerId: string, signal: AbortSignal): Promise<Answer> {
  return call(target, 'GET', writerPath(target.workspace, writerId), signal)
}

/** Send whole spool records: `POST …/writers/{id}/records`. */
export function postRecords(target: RemoteTarget, writerId: string, records: Buffer, signal: AbortSignal): Promise<Answer> {
  return call(target, 'POST', `${writerPath(target.workspace, writerId)}/records`, signal, records)
}

const blobPath = (workspace: string, sha256: string): string => `/api/v1/workspaces/${encodeURIComponent(workspace)}/blobs/${sha256}`

/** Whether the server has a blob: ok when complete, a 404 refusal with `received` otherwise. */
export function getBlob(target: RemoteTarget, sha256: string, signal: AbortSignal): Promise<Answer> {
  return call(target, 'GET', blobPath(target.workspace, sha256), signal)
}

/** One part of a blob: `PUT …/blobs/{sha256}` with `Content-Range: bytes START-END/TOTAL`. */
export function putBlobPart(
  target: RemoteTarget,
  sha256: string,
  offset: number,
  total: number,
  part: Buffer,
  signal: AbortSignal,
): Promise<Answer> {
  const range = part.length === 0 ? undefined : `bytes ${offset}-${offset + part.length - 1}/${total}`
  return call(target, 'PUT', blobPath(target.workspace, sha256), signal, part, {
    'content-type': 'application/octet-stream',
    ...(range !== undefined && { 'content-range': range }),
  })
}

async function call(
  target: RemoteTarget,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  signal: AbortSignal,
  body?: Buffer,
  extra?: Record<string, string>,
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${target.apiKey}`, accept: 'application/json' }
  if (body) headers['content-type'] = SPOOL_MEDIA_TYPE
  Object.assign(headers, extra)
  // A controller per request rather than AbortSignal.any(): a sender lives for hours, and
  // signals combined with its long-lived one would pile up on it.
  const request = new AbortController()
  const abort = (): void => request.abort()
  const timer = setTimeout(abort, REQUEST_TIMEOUT_MS)
  signal.addEventListener('abort', abort, { once: true })
  try {
    // A redirect would turn the POST into a GET elsewhere: refuse it and say where to point.
    const response = await fetch(`${target.serverUrl}${path}`, {
      method,
      headers,
      ...(body && { body }),
      signal: request.signal,
      redirect: 'manual',
    })
    if (response.status >= 300 && response.status < 400) {
      const to = response.headers.get('location') ?? 'another address'
      const message = `${target.serverUrl} redirects to ${to}; set serverUrl (TALLY_SERVER_URL) to the server's final address, e.g. its https:// URL`
      return { kind: 'refused', status: response.status, error: new TallyError('invalid_argument', message) }
    }
    return answerOf(response.status, await response.text(), target.serverUrl)
  } catch (e) {
    return {
      kind: 'retry',
      error: new TallyError('server_unreachable', `cannot reach ${target.serverUrl}: ${networkReason(e)}`, { cause: e }),
      timedOut: request.signal.aborted && !signal.aborted,
    }
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', abort)
  }
}

/** Sort a server's answer (status and body text) into what the client does next. */
export function answerOf(status: number, text: string, serverUrl: string): Answer {
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'retry', error: new TallyError('server_unreachable', `${serverUrl} answered ${status}${serverMessage(text)}`) }
  }
  if (status >= 400) return { kind: 'refused', status, error: serverError(status, text) }
  const parsed = parseJson(text)
  if (parsed === undefined) {
    return {
      kind: 'retry',
      error: new TallyError('server_unreachable', `${serverUrl} answered ${status} without JSON; is it a Tally server?`),
    }
  }
  return { kind: 'ok', body: parsed }
}

/** `ECONNREFUSED`, `timed out`, …: the part of a fetch failure a person can act on. */
function networkReason(e: unknown): string {
  if (e instanceof Error && e.name === 'AbortError') return `no answer in ${REQUEST_TIMEOUT_MS / 1000} s`
  const cause = e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined
  if (typeof cause?.code === 'string') return cause.code
  if (typeof cause?.message === 'string') return cause.message
  return e instanceof Error ? e.message : String(e)
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function serverMessage(text: string): string {
  const error = parseJson(text)?.error as { message?: unknown } | undefined
  return typeof error?.message === 'string' ? `: ${error.message}` : ''
}

/** The server's `{ error: { code, message, ...details } }` as a TallyError. */
function serverError(status: number, text: string): TallyError {
  const error = parseJson(text)?.error
  if (typeof error !== 'object' || error === null)
    return new TallyError('invalid_request', `the server answered ${status}: ${text.slice(0, 200)}`)
  const { code, message, ...rest } = error as Record<string, unknown>
  const known: ErrorCode = typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : 'invalid_request'
  const details: Details = {}
  for (const [k, v] of Object.entries(rest)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') details[k] = v
  }
  return new TallyError(known, typeof message === 'string' ? message : `the server answered ${status}`, { details })
}
