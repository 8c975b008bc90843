/** The runs panel's toolbars: the text filter and run count, conditions, columns, and group by. */
import { type KeyboardEvent, useEffect, useRef, useState } from 'react'
import { type GroupBy, groupByParam, parseGroupBy } from './runs-params'

/** The text filter, how many runs are shown, and while pages still come, how many are read. */
export function Toolbar({
  query,
  total,
  shown,
  loading,
  onQuery,
}: {
  query: string
  total: number
  shown: number
  /** Runs read so far and the project's count, while the rest are read. */
  loading?: { loaded: number; of: number }
  onQuery: (q: string) => void
}) {
  const input = useRef<HTMLInputElement>(null)
  // Typing goes into the URL as it happens; the field follows the URL when it changes
  // otherwise (back, forward, "Clear the filter").
  const [text, setText] = useState(query)
  useEffect(() => setText(query), [query])
  useEffect(() => {
    const focus = (e: globalThis.KeyboardEvent): void => {
      const target = e.target as HTMLElement | null
      if (e.key !== '/' || target?.closest('input, textarea, [contenteditable="true"]')) return
      e.preventDefault()
      input.current?.focus()
    }
    window.addEventListener('keydown', focus)
    return () => window.removeEventListener('keydown', focus)
  }, [])
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'Escape' && text !== '') {
      setText('')
      onQuery('')
    }
  }
  return (
    <div className="toolbar">
      <label className="filter">
        <span className="visually-hidden">Filter runs</span>
        <input
          ref={input}
          type="search"
          placeholder="Filter runs by name, status, group, tag   ( / )"
          value={text}
          onChange={(e) => {
            setText(e.target.value)
            onQuery(e.target.value)
          }}
          onKeyDown={onKeyDown}
        />
      </label>
      <span className="muted" aria-live="polite">
        {shown === total ? `${total} ${total === 1 ? 'run' : 'runs'}` : `${shown} of ${total} runs`}
      </span>
      {loading !== undefined && (
        <span className="runs-loading" role="status">
          loading {loading.loaded} of {loading.of} runs…
        </span>
      )}
    </div>
  )
}

/** `config.lr > 0.001; status != failed`: conditions as `tally runs --where` reads them, all of which must hold. */
export function ConditionBox({ where, error, onWhere }: { where: string; error: string | undefined; onWhere: (w: string) => void }) {
  const [text, setText] = useState(where)
  useEffect(() => setText(where), [where])
  return (
    <div className="conditions">
      <label className="filter">
        <span className="visually-hidden">Conditions</span>
        <input
          type="search"
          name="where"
          placeholder="Conditions: config.lr > 0.001; summary.loss <= 0.2"
          value={text}
          aria-invalid={error !== undefined}
          aria-describedby={error !== undefined ? 'where-error' : undefined}
          onChange={(e) => {
            setText(e.target.value)
            onWhere(e.target.value)
          }}
        />
      </label>
      {error !== undefined && (
        <p id="where-error" className="where-error" role="alert">
          {error}
        </p>
      )}
    </div>
  )
}

/** Which config and summary keys are columns: a checkbox each, in the URL as `cols=`. */
export function ColumnPicker({
  keys,
  chosen,
  onChange,
}: {
  keys: readonly string[]
  chosen: readonly string[]
  onChange: (cols: string[]) => void
}) {
  const all = [...new Set([...keys, ...chosen])]
  return (
    <details className="column-picker">
      <summary>Columns{chosen.length > 0 ? ` (${chosen.length})` : ''}</summary>
      <div className="column-list">
        {all.length === 0 && <p className="muted">No config or summary keys yet.</p>}
        {all.map((key) => (
          <label key={key}>
            <input
              type="checkbox"
              value={key}
              checked={chosen.includes(key)}
              onChange={(e) => onChange(e.target.checked ? [...chosen, key] : chosen.filter((k) => k !== key))}
            />{' '}
            {key}
          </label>
        ))}
      </div>
    </details>
  )
}

/** Group rows by run group, by tag, or by a config key: `group_by=` in the URL. */
export function GroupBySelect({
  value,
  configKeys,
  onChange,
}: {
  value: GroupBy | undefined
  configKeys: readonly string[]
  onChange: (groupBy: GroupBy | undefined) => void
}) {
  const current = groupByParam(value) ?? ''
  const keys = [...new Set([...configKeys, ...(value?.kind === 'config' ? [value.key] : [])])]
  return (
    <label className="group-by">
      Group by{' '}
      <select value={current} onChange={(e) => onChange(parseGroupBy(e.target.value))}>
        <option value="">nothing</option>
        <option value="group">group</option>
        <option value="tag">tag</option>
        {keys.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
    </label>
  )
}
