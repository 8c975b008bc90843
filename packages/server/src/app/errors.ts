/**
 * One error shape for every route: `{ "error": { "code", "message", ...details } }`, with
 * the codes the SDK's `TallyError` uses. Anything that is not a `TallyError` or one of
 * Fastify's own request errors is a bug and answers 500 `internal`.
 */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { type ErrorCode, TallyError } from '@tally/sdk'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

const STATUS: Partial<Record<ErrorCode, number>> = {
  not_found: 404,
  run_not_found: 404,
  run_exists: 409,
  already_exists: 409,
  seq_gap: 409,
  run_finished: 409,
  unauthorized: 401,
  forbidden: 403,
  cross_origin: 403,
  payload_too_large: 413,
  store_unavailable: 503,
  internal: 500,
}

/** The HTTP status for an error code: 400 unless the code says otherwise. */
export function statusFor(code: ErrorCode): number {
  return STATUS[code] ?? 400
}

export interface ErrorBody {
  error: { code: string; message: string; [detail: string]: unknown }
}

export function errorBody(e: TallyError): ErrorBody {
  return { error: e.toJSON() }
}

/** Fastify's own errors about the request (bad JSON, body too large, wrong type) as TallyErrors. */
function fromFastify(e: FastifyError, request: FastifyRequest): TallyError | undefined {
  if (e.validation) {
    const where = e.validationContext ?? 'request'
    return new TallyError('invalid_request', `${where}${e.message.startsWith(where) ? e.message.slice(where.length) : `: ${e.message}`}`)
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TallyError(
        'payload_too_large',
        `the request body is over this route's limit of ${request.routeOptions.bodyLimit ?? 'its'} bytes; send smaller batches (a few MiB each)`,
      )
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TallyError('invalid_request', `${e.message}; send application/json (or application/vnd.tally.spool for records)`)
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new TallyError('invalid_request', e.message)
  }
  if (e instanceof SyntaxError || (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)) {
    return new TallyError('invalid_request', e.message)
  }
  return undefined
}

export function errorHandler(e: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const error = e instanceof TallyError ? e : fromFastify(e, request)
  if (error) {
    reply.code(statusFor(error.code)).send(errorBody(error))
    return
  }
  request.log.error({ err: e }, 'internal error')
  reply
    .code(500)
    .send(errorBody(new TallyError('internal', 'internal error; this is a bug in Tally, please report it with the server log')))
}

/**
 * Errors Fastify meets before a route runs (a path segment over the length limit, a URL
 * that does not decode), in the same shape as every other error.
 */
export function frameworkErrorHandler(e: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = e.code === 'FST_ERR_MAX_PARAM_LENGTH'
  const message = tooLong
    ? 'a path segment is too long; ids are at most 64 characters and names at most 255'
    : 'the URL does not decode (bad percent-encoding); encode path segments with encodeURIComponent'
  reply.code(tooLong ? 414 : 400).send({ error: { code: 'invalid_request', message } })
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers or URL over 16 KiB,
 * a malformed request line): answered in the same JSON shape, then the socket is closed.
 */
export function clientErrorHandler(e: Error & { code?: string }, socket: Socket): void {
  if (e.code === 'ECONNRESET' || socket.destroyed) return
  const status = e.code === 'HPE_HEADER_OVERFLOW' ? 431 : e.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
  const message =
    status === 431
      ? 'the URL and headers are over 16 KiB; shorten the URL (filters go in repeated where= parameters of a few hundred characters)'
      : status === 408
        ? 'the request took too long to arrive; retry'
        : 'the request is not valid HTTP/1.1'
  const body = JSON.stringify({ error: { code: 'invalid_request', message } })
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}
