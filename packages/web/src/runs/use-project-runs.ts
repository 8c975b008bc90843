/**
 * A project's runs, read page by page (1,000 a request): the first page shows as soon as it
 * comes and the rest follow, so 10,000 runs do not wait for the last page to draw a row.
 */
import type { RunJson } from '@tally/sdk/api'
import { useEffect, useState } from 'react'
import { ApiError, listAllRuns } from '../api/client'

export type ProjectRuns =
  | { state: 'loading'; retry: () => void }
  /** `complete` once every page is in; until then `total` is what the server counted. */
  | { state: 'ready'; runs: RunJson[]; total: number; complete: boolean; retry: () => void }
  /** `runs`: the pages read before it failed, if any. */
  | { state: 'error'; error: ApiError; runs: RunJson[]; retry: () => void }

type Loaded = { key: string; runs: RunJson[]; total: number; complete: boolean; error?: ApiError }

export function useProjectRuns(workspace: string, project: string): ProjectRuns {
  const key = `${workspace}\n${project}`
  const [attempt, setAttempt] = useState(0)
  const [loaded, setLoaded] = useState<Loaded & { attempt: number }>()
  useEffect(() => {
    const abort = new AbortController()
    let partial: RunJson[] = []
    const [ws, p] = key.split('\n') as [string, string]
    listAllRuns(ws, p, abort.signal, (runs, total) => {
      partial = runs
      if (!abort.signal.aborted) setLoaded({ key, attempt, runs, total, complete: false })
    }).then(
      (runs) => {
        if (!abort.signal.aborted) setLoaded({ key, attempt, runs, total: runs.length, complete: true })
      },
      (e: unknown) => {
        if (abort.signal.aborted) return
        const error = e instanceof ApiError ? e : new ApiError('internal', `Something broke in the dashboard: ${String(e)}`, 0)
        setLoaded({ key, attempt, runs: partial, total: partial.length, complete: false, error })
      },
    )
    return () => abort.abort()
  }, [key, attempt])
  const retry = (): void => setAttempt((n) => n + 1)
  if (loaded === undefined || loaded.key !== key || loaded.attempt !== attempt) return { state: 'loading', retry }
  if (loaded.error !== undefined) return { state: 'error', error: loaded.error, runs: loaded.runs, retry }
  return { state: 'ready', runs: loaded.runs, total: loaded.total, complete: loaded.complete, retry }
}
