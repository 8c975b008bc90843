import { createContext, useContext } from 'react'
import type { SessionJson } from '../api/session'

/** The signed-in session; pages render only inside one (app.tsx). */
export const SessionContext = createContext<SessionJson | null>(null)

/** Who the dashboard is signed in as, for controls that depend on the role. */
export function useSession(): SessionJson {
  const session = useContext(SessionContext)
  if (session === null) throw new Error('useSession outside SessionContext: render pages inside the signed-in App')
  return session
}
