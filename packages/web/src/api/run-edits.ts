/** Changes to a run from the run page: PATCH and DELETE /api/v1/runs/{id} (writer and owner keys). */
import type { RunJson } from '@tally/sdk/api'
import { requestJson, seg } from './client'

export interface RunEdit {
  name?: string
  tags?: string[]
  description?: string | null
}

/** Rename, retag or describe a run; answers the run as it is now. */
export function updateRun(runId: string, edit: RunEdit): Promise<RunJson> {
  return requestJson<RunJson>('PATCH', `/runs/${seg(runId)}`, edit)
}

/** Delete a run and its series. */
export function deleteRun(runId: string): Promise<void> {
  return requestJson<void>('DELETE', `/runs/${seg(runId)}`)
}

/** Tags as typed in one field, split on commas: trimmed, without empties or repeats. */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    ),
  ]
}
