import type { RunJson } from '@tally/sdk/api'
import { useState } from 'react'
import { Link } from '../components/link'
import { runHref } from '../router'
import { formatJson, isNumeric } from '../run/run-values'
import { runColor } from '../runs/run-color'
import { formatField, type JsonValue } from '../runs/run-fields'
import { bestIndexes, betterEnd, type DiffRow } from './config-diff'

interface Props {
  caption: string
  runs: readonly RunJson[]
  workspace: string
  project: string
  /** The rows the search keeps, differing first. */
  rows: readonly DiffRow[]
  /** Whether to mark each row's best value (summary metrics). */
  ranked?: boolean
  /** Show the equal keys too, whatever the toggle says (while a search narrows the rows). */
  expand?: boolean
}

/** One column per run, one row per key: the differing keys marked and shown, the equal ones folded under a toggle. */
export function DiffTable({ caption, runs, workspace, project, rows, ranked, expand }: Props) {
  const [toggled, setShowSame] = useState(false)
  const showSame = toggled || expand === true
  const differing = rows.filter((r) => r.differs)
  const same = rows.filter((r) => !r.differs)
  const id = `same-${caption.toLowerCase().replace(/\W+/g, '-')}`
  return (
    <div className="diff-scroll">
      <table className="diff" data-table={caption.toLowerCase()}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            {runs.map((run) => (
              <th scope="col" key={run.id} data-run-id={run.id}>
                <span className="swatch" style={{ background: runColor(run.id) }} aria-hidden="true" />
                <Link href={runHref(workspace, project, run.id)} title={`Open ${run.name} (${run.id})`}>
                  {run.name}
                </Link>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {differing.map((row) => (
            <Row key={row.key} row={row} ranked={ranked} />
          ))}
          {same.length > 0 && (
            <tr className="same-toggle">
              <td colSpan={runs.length + 1}>
                <button type="button" aria-expanded={showSame} aria-controls={id} disabled={expand} onClick={() => setShowSame(!toggled)}>
                  {showSame ? '▾' : '▸'} {same.length} {same.length === 1 ? 'key is' : 'keys are'} the same
                </button>
              </td>
            </tr>
          )}
        </tbody>
        {same.length > 0 && (
          <tbody id={id} hidden={!showSame}>
            {same.map((row) => (
              <Row key={row.key} row={row} ranked={false} />
            ))}
          </tbody>
        )}
      </table>
    </div>
  )
}

function Row({ row, ranked }: { row: DiffRow; ranked: boolean | undefined }) {
  const better = ranked ? betterEnd(row.key) : undefined
  const best = bestIndexes(row.values, better)
  return (
    <tr data-key={row.key} className={row.differs ? 'differs' : 'same'}>
      <th scope="row" title={row.key}>
        {row.differs && (
          <span className="diff-mark" title="The runs differ here">
            ≠<span className="visually-hidden"> differs:</span>
          </span>
        )}
        {row.key}
        {better !== undefined && best.size > 0 && <span className="muted better"> ({better} is better)</span>}
      </th>
      {row.values.map((v, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: one cell per run column, in the columns' order
        <Cell key={i} value={v} best={best.has(i)} />
      ))}
    </tr>
  )
}

function Cell({ value, best }: { value: JsonValue | undefined; best: boolean }) {
  const numeric = value !== undefined && isNumeric(value)
  const className = [numeric ? 'number' : '', value === undefined ? 'missing' : '', best ? 'best' : ''].filter(Boolean).join(' ')
  return (
    <td
      className={className || undefined}
      title={value === undefined ? 'This run has no such key' : formatJson(value)}
      data-value={value === undefined ? undefined : JSON.stringify(value)}
    >
      {best && (
        <span className="best-mark" title="Best of these runs">
          ★<span className="visually-hidden"> best:</span>{' '}
        </span>
      )}
      {formatField(value)}
    </td>
  )
}
