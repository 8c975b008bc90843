/**
 * The errors every backend answers with when a lookup finds nothing, a name is taken or a
 * read query cannot be answered: one message each, so SQLite and PostgreSQL say the same.
 */
import { TallyError } from '@tally/sdk'

export function workspaceNotFound(name: string): TallyError {
  return new TallyError('not_found', `no workspace ${JSON.stringify(name)}; create it first (tally workspaces create ${name})`)
}

export function runNotFound(runId: string): TallyError {
  return new TallyError('not_found', `no run ${runId}; list runs to find its id`)
}

export function metricNotFound(runId: string, key: string): TallyError {
  return new TallyError('not_found', `run ${runId} has no metric ${JSON.stringify(key)}; list its metric keys to see what it logged`)
}

export function keyNotFound(id: string): TallyError {
  return new TallyError('not_found', `no key ${id}; list keys to find its id`)
}

export function workspaceTaken(name: string): TallyError {
  return new TallyError('already_exists', `a workspace named ${JSON.stringify(name)} exists already; pick another name`)
}

/** A read query (run list, series read) that cannot be answered as asked. */
export function invalidQuery(message: string): TallyError {
  return new TallyError('invalid_query', message)
}
