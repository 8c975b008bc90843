import './run-actions.css'
import type { RunJson } from '@tally/sdk/api'
import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { ApiError } from '../api/client'
import { deleteRun, parseTags, updateRun } from '../api/run-edits'
import { may } from '../api/session'
import { navigate } from '../router'
import { useSession } from '../session/session-context'

interface Props {
  run: RunJson
  /** The run as the server has it after an edit. */
  onChange(run: RunJson): void
  /** Where to go once the run is deleted. */
  projectHref: string
}

/**
 * The run page's write actions: writers and owners edit the name, tags and description,
 * owners delete. A viewer sees none of them (the API would refuse them anyway).
 */
export function RunActions({ run, onChange, projectHref }: Props) {
  const session = useSession()
  const [editing, setEditing] = useState(false)
  const [deleting, setDeleting] = useState(false)
  if (!may(session, 'writer')) return null
  return (
    <>
      <div className="run-actions">
        {!editing && (
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
        {may(session, 'owner') && (
          <button type="button" className="danger" onClick={() => setDeleting(true)}>
            Delete run
          </button>
        )}
      </div>
      {editing && (
        <EditRunForm
          run={run}
          onDone={(changed) => {
            setEditing(false)
            if (changed) onChange(changed)
          }}
        />
      )}
      {deleting && <DeleteRunDialog run={run} onClose={() => setDeleting(false)} onDeleted={() => navigate(projectHref)} />}
    </>
  )
}

function EditRunForm({ run, onDone }: { run: RunJson; onDone(changed?: RunJson): void }) {
  const [name, setName] = useState(run.name)
  const [tags, setTags] = useState(run.tags.join(', '))
  const [description, setDescription] = useState(run.description ?? '')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const first = useRef<HTMLInputElement>(null)
  const id = useId()
  useEffect(() => first.current?.focus(), [])

  const save = (e: FormEvent): void => {
    e.preventDefault()
    if (name.trim() === '') {
      setError('A run needs a name.')
      return
    }
    setBusy(true)
    setError(undefined)
    updateRun(run.id, { name: name.trim(), tags: parseTags(tags), description: description.trim() === '' ? null : description })
      .then((changed) => onDone(changed))
      .catch((failure: unknown) => {
        setBusy(false)
        setError(failure instanceof ApiError ? failure.message : String(failure))
      })
  }

  return (
    <form className="run-edit" aria-label="Edit run" onSubmit={save} onKeyDown={(e) => e.key === 'Escape' && onDone()}>
      <label htmlFor={`${id}-name`}>Name</label>
      <input id={`${id}-name`} ref={first} value={name} maxLength={255} onChange={(e) => setName(e.target.value)} />
      <label htmlFor={`${id}-tags`}>Tags</label>
      <input
        id={`${id}-tags`}
        value={tags}
        placeholder="baseline, lr-sweep"
        aria-describedby={`${id}-tags-help`}
        onChange={(e) => setTags(e.target.value)}
      />
      <span id={`${id}-tags-help`} className="muted hint">
        separated by commas
      </span>
      <label htmlFor={`${id}-description`}>Description</label>
      <textarea id={`${id}-description`} value={description} maxLength={1000} rows={3} onChange={(e) => setDescription(e.target.value)} />
      <div className="run-edit-buttons">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={() => onDone()}>
          Cancel
        </button>
        {error !== undefined && (
          <span role="alert" className="run-action-error">
            {error}
          </span>
        )}
      </div>
    </form>
  )
}

/** A modal that names the run, so the wrong one is not deleted by a slip; it opens on Cancel, the first button. */
function DeleteRunDialog({ run, onClose, onDeleted }: { run: RunJson; onClose(): void; onDeleted(): void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const titleId = useId()
  useEffect(() => {
    const d = dialog.current
    d?.showModal()
    return () => d?.close()
  }, [])

  const remove = (): void => {
    setBusy(true)
    setError(undefined)
    deleteRun(run.id).then(onDeleted, (failure: unknown) => {
      setBusy(false)
      setError(failure instanceof ApiError ? failure.message : String(failure))
    })
  }

  return (
    <dialog ref={dialog} className="run-delete" aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>Delete run “{run.name}”?</h2>
      <p>
        This deletes run <code>{run.id}</code> and all its metrics for everyone in the workspace. It cannot be undone.
      </p>
      {error !== undefined && (
        <p role="alert" className="run-action-error">
          {error}
        </p>
      )}
      <div className="run-edit-buttons">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={busy} onClick={remove}>
          {busy ? 'Deleting…' : `Delete “${run.name}”`}
        </button>
      </div>
    </dialog>
  )
}
