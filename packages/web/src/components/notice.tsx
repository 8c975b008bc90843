import type { ReactNode } from 'react'
import type { ApiError } from '../api/client'

/** A loading line that screen readers announce. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="notice" role="status" aria-live="polite">
      Loading {what}…
    </p>
  )
}

/** Nothing to show yet, and what to do about it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <section className="notice empty">
      <h2>{title}</h2>
      {children}
    </section>
  )
}

/** A failed load: what went wrong, the server's code, what to do, and a way to retry. */
export function Failure({ what, error, retry }: { what: string; error: ApiError; retry: () => void }) {
  return (
    <section className="notice failure" role="alert">
      <h2>Could not load {what}</h2>
      <p>{error.message}</p>
      {hint(error) && <p>{hint(error)}</p>}
      <p className="muted">
        Error code <code>{error.code}</code>
        {error.status > 0 && <> (HTTP {error.status})</>}
      </p>
      <button type="button" onClick={retry}>
        Retry
      </button>
    </section>
  )
}

function hint(error: ApiError): string | undefined {
  if (error.code === 'unauthorized') {
    return 'Reload the page: a team server then asks for an API key, and tally ui hands its dashboard write rights again.'
  }
  if (error.code === 'cross_origin') return 'Change runs from the dashboard page this server serves, not from another site.'
  if (error.code === 'forbidden') return 'Open the dashboard at http://127.0.0.1 or http://localhost on the machine that runs tally ui.'
  if (error.status >= 500 && error.code !== 'store_unavailable') return 'This is a bug in Tally: please report it with the server’s log.'
  return undefined
}
