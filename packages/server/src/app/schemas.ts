/** JSON Schemas shared by the routes: the limits every input is held to (Tora's, where it has them). */
import { TallyError } from '@tally/sdk'
import { LIMITS } from '@tally/sdk/spool'

export const MAX_STEP = Number.MAX_SAFE_INTEGER

export const str = (maxLength: number, extra: Record<string, unknown> = {}) =>
  ({ type: 'string', minLength: 1, maxLength, ...extra }) as const
export const int = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum }) as const
/**
 * An integer in a query string: decimal digits only, so `0x10`, `1e3` and ` 7` are refused
 * instead of read as numbers. Ranges are checked where the value is used.
 */
export const queryInt = { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$', description: 'a non-negative decimal integer' } as const

/** The number of a `queryInt` parameter (undefined stays undefined); past 2^53 - 1 it is refused. */
export function intOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isSafeInteger(n)) throw new TallyError('invalid_query', `${text} is past the largest integer Tally takes, 2^53 - 1`)
  return n
}

export const workspaceName = str(LIMITS.name, { pattern: '^[A-Za-z0-9._-]+$' })
export const projectName = str(LIMITS.project)
export const runId = str(64, { pattern: '^[A-Za-z0-9_-]+$' })
export const writerId = str(64, { pattern: '^[A-Za-z0-9_-]+$' })
export const metricKey = str(LIMITS.key)
export const tags = { type: 'array', maxItems: LIMITS.tags, items: str(LIMITS.tag) } as const
export const description = { type: ['string', 'null'], maxLength: LIMITS.description } as const
export const group = { type: ['string', 'null'], minLength: 1, maxLength: LIMITS.group } as const
export const status = { type: 'string', enum: ['running', 'finished', 'failed', 'crashed'] } as const

export const object = (properties: Record<string, unknown>, required: string[] = []) =>
  ({ type: 'object', properties, required, additionalProperties: false }) as const

export const wsParams = object({ workspace: workspaceName }, ['workspace'])
export const projectParams = object({ workspace: workspaceName, project: projectName }, ['workspace', 'project'])
export const runParams = object({ id: runId }, ['id'])

/** What every error answer looks like, for the OpenAPI document. */
export const errorResponse = {
  description: 'An error: a stable code and a message saying what to do',
  type: 'object',
  properties: {
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] },
  },
} as const
