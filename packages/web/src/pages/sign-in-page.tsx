import './sign-in-page.css'
import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { ApiError } from '../api/client'

interface Props {
  /** Why the earlier session ended, if it did. */
  reason?: string
  signIn(key: string): Promise<void>
}

/**
 * A team server's dashboard before it has a key: one field for an API key. The view the URL
 * asks for renders as soon as the key is accepted, so sign-in lands where it was going.
 */
export function SignInPage({ reason, signIn }: Props) {
  const [key, setKey] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError>()
  const input = useRef<HTMLInputElement>(null)
  const fieldId = useId()
  const helpId = useId()

  useEffect(() => {
    document.title = 'Sign in · Tally'
    input.current?.focus()
  }, [])

  const submit = (e: FormEvent): void => {
    e.preventDefault()
    const typed = key.trim()
    if (typed === '') {
      setError(new ApiError('invalid_request', 'Paste an API key first: it starts with tally_sk_.', 0))
      input.current?.focus()
      return
    }
    setBusy(true)
    setError(undefined)
    signIn(typed).catch((failure: unknown) => {
      setBusy(false)
      setError(failure instanceof ApiError ? failure : new ApiError('internal', String(failure), 0))
      input.current?.select()
    })
  }

  return (
    <main className="sign-in">
      <h1>Sign in</h1>
      <p>This Tally server is shared by a team: its dashboard needs an API key.</p>
      {reason !== undefined && error === undefined && (
        <p className="notice" role="status">
          You were signed out: {reason}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <label htmlFor={fieldId}>API key</label>
        <input
          id={fieldId}
          ref={input}
          type="password"
          name="key"
          autoComplete="off"
          spellCheck={false}
          placeholder="tally_sk_…"
          aria-describedby={helpId}
          aria-invalid={error !== undefined}
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error !== undefined && (
        <p className="sign-in-error" role="alert">
          {error.code === 'unauthorized' ? `Wrong key: ${error.message}` : error.message}
        </p>
      )}
      <p id={helpId} className="muted">
        Keys come from an owner of your workspace: on the server’s machine, <code>tally keys create --workspace W --role viewer</code> makes
        one that may read (<code>--role writer</code> may also edit runs). The key stays in this browser in a cookie page scripts cannot
        read, until you sign out.
      </p>
    </main>
  )
}
