import { useMemo, useState } from 'react'
import type { JsonValue } from '../api/runs'
import { flattenTree, formatJson, isNumeric, searchTree } from './run-values'

/** A run's config as a nested tree, with a search that narrows it to the keys and values matching. */
export function ConfigTree({ config }: { config: { [key: string]: JsonValue } }) {
  const all = useMemo(() => flattenTree(config), [config])
  const [search, setSearch] = useState('')
  const rows = searchTree(all, search)
  if (all.length === 0) {
    return (
      <p className="muted">
        No config. Pass one to <code>tally.init({'{ config: { lr: 1e-3 } }'})</code> to see it here.
      </p>
    )
  }
  return (
    <div className="config-tree">
      <label className="filter">
        <span className="visually-hidden">Search config</span>
        <input
          type="search"
          placeholder="Search config keys and values"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setSearch('')
          }}
        />
      </label>
      {rows.length === 0 ? (
        <p className="muted" role="status">
          No config key or value matches “{search}”.{' '}
          <button type="button" onClick={() => setSearch('')}>
            Clear the search
          </button>
        </p>
      ) : (
        <table className="kv config">
          <caption className="visually-hidden">Config</caption>
          <tbody>
            {rows.map((row) => (
              <tr key={row.path} data-path={row.path} className={row.kind === 'leaf' ? undefined : 'branch'}>
                <th scope="row" style={{ paddingLeft: `${0.5 + row.depth * 1.25}rem` }} title={row.path}>
                  {row.key}
                </th>
                {row.kind === 'leaf' ? (
                  <td className={isNumeric(row.value ?? null) ? 'number' : undefined}>{formatJson(row.value ?? null)}</td>
                ) : (
                  <td className="muted">{row.kind === 'array' ? `[${row.size} items]` : `{${row.size} keys}`}</td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

/** Key/value rows of a flat record (summary, results, system), in key order. */
export function ValueTable({ caption, values, empty }: { caption: string; values: { [key: string]: JsonValue }; empty: string }) {
  const keys = Object.keys(values).sort((a, b) => a.localeCompare(b))
  if (keys.length === 0) return <p className="muted">{empty}</p>
  return (
    <table className="kv" data-table={caption.toLowerCase()}>
      <caption className="visually-hidden">{caption}</caption>
      <tbody>
        {keys.map((k) => {
          const v = values[k] as JsonValue
          return (
            <tr key={k} data-key={k}>
              <th scope="row">{k}</th>
              <td className={isNumeric(v) ? 'number' : undefined}>{formatJson(v)}</td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
