/**
 * Checks every backend applies the same way before it changes anything, so the contract
 * holds for SQLite and PostgreSQL alike.
 */
import { TallyError } from '@tally/sdk'
import { checkTags, checkText } from '@tally/sdk/spool'
import type { ApiKeyRole, NewApiKey, RunPatch } from './store.js'

/** The workspace every store has, where runs go when no workspace is named. */
export const DEFAULT_WORKSPACE = 'default'

const WORKSPACE_NAME = /^[A-Za-z0-9._-]{1,255}$/
const ROLES: readonly ApiKeyRole[] = ['owner', 'writer', 'viewer']
const END_STATES: readonly string[] = ['finished', 'failed', 'crashed']

export function checkWorkspaceName(name: unknown): string {
  if (typeof name !== 'string' || !WORKSPACE_NAME.test(name) || name === '.' || name === '..') {
    throw new TallyError(
      'invalid_name',
      `workspace names are 1 to 255 characters of A-Z, a-z, 0-9, '.', '_' and '-' (not "." or ".."); got ${JSON.stringify(String(name).slice(0, 40))}`,
    )
  }
  return name
}

/** A run patch with every given field checked as `init` checks it. */
export function checkRunPatch(patch: RunPatch): RunPatch {
  if (patch === null || typeof patch !== 'object') throw new TallyError('invalid_argument', 'a run update is an object of fields to change')
  const out: RunPatch = {}
  if (patch.name !== undefined) out.name = checkText('name', patch.name)
  if (patch.group !== undefined) out.group = patch.group === null ? null : checkText('group', patch.group)
  if (patch.description !== undefined) out.description = patch.description === null ? null : checkText('description', patch.description)
  if (patch.tags !== undefined) out.tags = checkTags(patch.tags)
  if (patch.status !== undefined) {
    if (!END_STATES.includes(patch.status)) {
      throw new TallyError('invalid_argument', `status can be set to finished, failed or crashed; got ${JSON.stringify(patch.status)}`)
    }
    out.status = patch.status
  }
  return out
}

export function checkNewKey(key: NewApiKey): NewApiKey {
  if (!ROLES.includes(key.role)) {
    throw new TallyError('invalid_argument', `a key's role is owner, writer or viewer; got ${JSON.stringify(key.role)}`)
  }
  if (!/^[0-9a-f]{64}$/.test(key.hash)) throw new TallyError('invalid_argument', 'a key hash is 64 lowercase hex digits (sha256)')
  if (key.name !== null && (typeof key.name !== 'string' || key.name.length > 255)) {
    throw new TallyError('invalid_name', 'a key name is a string of at most 255 characters')
  }
  return key
}
