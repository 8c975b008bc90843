/** The runs a Compare page shows, read through the dashboard's API client. */
import type { RunJson } from '@tally/sdk/api'
import { ApiError, listAllRuns } from '../api/client'
import { getRun } from '../api/runs'
import type { CompareRuns } from '../router'

export interface ComparedRuns {
  /** Found, in the URL's order (or the project's, newest first, for `all`). */
  runs: RunJson[]
  /** Ids the URL names that no run of the project has. */
  missing: string[]
}

/**
 * The runs `which` names in `project`: every run for `all`, else each id read on its own so
 * one unknown id (deleted, mistyped, of another project) is reported while the others are
 * still compared.
 */
export async function loadComparedRuns(
  workspace: string,
  project: string,
  which: CompareRuns,
  signal?: AbortSignal,
): Promise<ComparedRuns> {
  if (which === 'all') return { runs: await listAllRuns(workspace, project, signal), missing: [] }
  const found = await Promise.all(
    which.map(async (id) => {
      try {
        const run = await getRun(id, signal)
        return run.project === project && run.workspace === workspace ? run : undefined
      } catch (e) {
        if (e instanceof ApiError && (e.code === 'run_not_found' || e.code === 'not_found')) return undefined
        throw e
      }
    }),
  )
  return {
    runs: found.filter((r): r is RunJson => r !== undefined),
    missing: which.filter((_, i) => found[i] === undefined),
  }
}
