import type { RunJson } from '@tally/sdk/api'
import { Link } from '../components/link'
import { StatusBadge } from '../components/status-badge'
import { formatDuration, formatTime } from '../format'
import { runHref } from '../router'
import { runColor } from './run-color'
import { fieldValue, formatField } from './run-fields'
import { COLUMNS, runDuration, type Sort, type SortColumn } from './runs-view'

interface Props {
  /** Already filtered and sorted. */
  runs: readonly RunJson[]
  sort: Sort
  onSort: (column: SortColumn) => void
  /** Config and summary keys shown after the fixed columns (`config.lr`, `summary.train/loss`). */
  fields?: readonly string[]
  /** The clock durations of running runs are counted to. */
  now: number
  caption: string
}

/** The runs of a project, one row each; every header is a button that sorts by its column. */
export function RunsTable({ runs, sort, onSort, now, caption, fields = [] }: Props) {
  return (
    <table className="runs">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {[...COLUMNS, ...fields.map((key) => ({ key: key as SortColumn, label: key }))].map((c) => {
            const active = sort.column === c.key
            return (
              <th key={c.key} scope="col" aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
                <button type="button" className="sort" onClick={() => onSort(c.key)} data-column={c.key}>
                  {c.label}
                  <span className="sort-mark" aria-hidden="true">
                    {active ? (sort.order === 'asc' ? '▲' : '▼') : ''}
                  </span>
                </button>
              </th>
            )
          })}
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} data-run-id={run.id}>
            <td className="name">
              <span className="swatch" style={{ background: runColor(run.id) }} aria-hidden="true" />
              <Link href={runHref(run.workspace, run.project, run.id)} title={`id ${run.id}`}>
                {run.name}
              </Link>
            </td>
            <td>
              <StatusBadge status={run.status} />
            </td>
            <td>{run.group ?? <span className="muted">–</span>}</td>
            <td>
              {run.tags.length === 0 ? (
                <span className="muted">–</span>
              ) : (
                run.tags.map((tag) => (
                  <span className="tag" key={tag}>
                    {tag}
                  </span>
                ))
              )}
            </td>
            <td title={run.createdAt ?? ''}>{formatTime(run.createdAt)}</td>
            <td className="number">{formatDuration(runDuration(run, now) ?? Number.NaN)}</td>
            {fields.map((key) => {
              const v = fieldValue(run, key)
              const text = formatField(v)
              return (
                <td
                  key={key}
                  data-field={key}
                  className={typeof v === 'number' ? 'number' : undefined}
                  title={v === undefined ? undefined : JSON.stringify(v)}
                >
                  {v === undefined || v === null ? <span className="muted">{text}</span> : text}
                </td>
              )
            })}
          </tr>
        ))}
      </tbody>
    </table>
  )
}
