import { useCallback, useEffect, useState } from 'react'
import { ApiError, onUnauthorized } from '../api/client'
import { getSession, type SessionJson, signIn, signOut } from '../api/session'

export type SessionState =
  | { state: 'loading' }
  /** `reason`: why a session that was signed in ended (its key revoked, say). */
  | { state: 'signed-out'; reason?: string }
  | { state: 'signed-in'; session: SessionJson }
  | { state: 'error'; error: ApiError }

export interface SessionControl {
  current: SessionState
  signIn(key: string): Promise<void>
  signOut(): Promise<void>
  retry(): void
}

/**
 * Who the dashboard is, asked once at start; any 401 from the API afterwards (a revoked key,
 * a cleared cookie) signs the dashboard out, so the sign-in page shows in place of the view.
 */
export function useSessionLoader(): SessionControl {
  const [current, setCurrent] = useState<SessionState>({ state: 'loading' })
  const [attempt, setAttempt] = useState(0)

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is how retry asks again.
  useEffect(() => {
    const abort = new AbortController()
    setCurrent({ state: 'loading' })
    getSession(abort.signal).then(
      (session) => setCurrent({ state: 'signed-in', session }),
      (e: unknown) => {
        if (abort.signal.aborted) return
        if (e instanceof ApiError && e.code === 'unauthorized') setCurrent({ state: 'signed-out' })
        else setCurrent({ state: 'error', error: e instanceof ApiError ? e : new ApiError('internal', String(e), 0) })
      },
    )
    return () => abort.abort()
  }, [attempt])

  useEffect(
    () =>
      onUnauthorized((error) =>
        setCurrent((s) => {
          // The local dashboard has nothing to sign in with: its failed write says why itself.
          if (s.state !== 'signed-in') return s
          if (s.session.mode === 'local') return s
          return { state: 'signed-out', reason: error.message }
        }),
      ),
    [],
  )

  return {
    current,
    signIn: useCallback(async (key: string) => {
      const session = await signIn(key)
      setCurrent({ state: 'signed-in', session })
    }, []),
    signOut: useCallback(async () => {
      await signOut()
      setCurrent({ state: 'signed-out' })
    }, []),
    retry: useCallback(() => setAttempt((n) => n + 1), []),
  }
}
