import './session-bar.css'
import { useState } from 'react'
import type { ApiError } from '../api/client'
import { DEFAULT_WORKSPACE } from '../router'
import type { SessionControl } from './use-session-loader'

/**
 * The header's right side: on a team server, the key's workspace and role and a way to
 * sign out; on a local server, the workspace when it is not the default one.
 */
export function SessionBar({ control, workspace }: { control: SessionControl; workspace: string }) {
  const [failure, setFailure] = useState<string>()
  const current = control.current
  if (current.state !== 'signed-in') return null
  const session = current.session
  if (session.mode === 'local') return workspace !== DEFAULT_WORKSPACE ? <span className="muted">workspace {workspace}</span> : null
  const out = (): void => {
    setFailure(undefined)
    control.signOut().catch((e: ApiError) => setFailure(e.message))
  }
  return (
    <div className="session-bar">
      <span className="muted">
        workspace <strong data-testid="session-workspace">{session.workspace}</strong> ·{' '}
        <span data-testid="session-role">{session.role}</span>
        {session.name !== null && <> · {session.name}</>}
      </span>
      <button type="button" onClick={out}>
        Sign out
      </button>
      {failure !== undefined && (
        <span role="alert" className="session-error">
          {failure}
        </span>
      )}
    </div>
  )
}
