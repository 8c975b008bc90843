import { useEffect, useRef, useState } from 'react'
import { ApiError } from './client'

export type Resource<T> =
  | { state: 'loading'; retry: () => void }
  | { state: 'ready'; data: T; retry: () => void }
  | { state: 'error'; error: ApiError; retry: () => void }

/**
 * Load something whenever `key` changes, abandoning the previous load. `retry` loads again.
 * `load` may change on every render; only `key` decides when to load.
 */
export function useResource<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Resource<T> {
  const loadRef = useRef(load)
  loadRef.current = load
  const [attempt, setAttempt] = useState(0)
  const [result, setResult] = useState<{ key: string; attempt: number; data?: T; error?: ApiError }>()
  useEffect(() => {
    const abort = new AbortController()
    loadRef.current(abort.signal).then(
      (data) => {
        if (!abort.signal.aborted) setResult({ key, attempt, data })
      },
      (e: unknown) => {
        if (abort.signal.aborted) return
        const error = e instanceof ApiError ? e : new ApiError('internal', `Something broke in the dashboard: ${String(e)}`, 0)
        setResult({ key, attempt, error })
      },
    )
    return () => abort.abort()
  }, [key, attempt])
  const retry = (): void => setAttempt((n) => n + 1)
  if (result === undefined || result.key !== key || result.attempt !== attempt) return { state: 'loading', retry }
  if (result.error !== undefined) return { state: 'error', error: result.error, retry }
  return { state: 'ready', data: result.data as T, retry }
}
