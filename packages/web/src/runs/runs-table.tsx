import type { RunJson } from '@tally/sdk/api'
import { type KeyboardEvent, useLayoutEffect, useRef, useState } from 'react'
import { Link } from '../components/link'
import { StatusBadge } from '../components/status-badge'
import { formatDuration, formatTime } from '../format'
import { runHref } from '../router'
import type { TableRow } from './grouping'
import { runColor } from './run-color'
import { fieldValue, formatField } from './run-fields'
import { COLUMNS, runDuration, type Sort, type SortColumn } from './runs-view'
import type { AllState } from './selection'
import { virtualWindow } from './virtual-window'

/** What a row is drawn at before one is measured; CSS gives rows this height. */
const ROW_HEIGHT = 34
/** Rows drawn beyond each edge of the scrolled view, so a fast scroll shows no blank. */
const OVERSCAN = 12
const WIDTHS: Record<string, number> = { name: 300, status: 110, group: 140, tags: 200, created: 170, duration: 110 }
const FIELD_WIDTH = 150

interface Props {
  /** Already filtered, sorted and grouped. */
  rows: readonly TableRow[]
  sort: Sort
  onSort: (column: SortColumn) => void
  /** Config and summary keys shown after the fixed columns (`config.lr`, `summary.train/loss`). */
  fields?: readonly string[]
  /** The clock durations of running runs are counted to. */
  now: number
  caption: string
  selected: ReadonlySet<string>
  allState: AllState
  onSelect: (id: string) => void
  onSelectAll: () => void
  hidden: ReadonlySet<string>
  onHide: (id: string) => void
  /** What rows are grouped by, for group headers ("tag"). */
  groupName?: string
  onGroup?: (key: string, collapsed: boolean) => void
}

/**
 * The runs of a project, one row each, in a scroll box of its own with a sticky header: only
 * the rows in view (and some either side) are in the DOM, so 10,000 runs scroll as 20 do.
 * Every header is a button that sorts by its column.
 */
export function RunsTable(props: Props) {
  const { rows, sort, onSort, caption, fields = [], allState, onSelectAll } = props
  const scroller = useRef<HTMLDivElement>(null)
  const [view, setView] = useState({ first: 0, height: 0 })
  const [rowHeight, setRowHeight] = useState(ROW_HEIGHT)
  const columns = [...COLUMNS, ...fields.map((key) => ({ key: key as SortColumn, label: key }))]

  const follow = (): void => {
    const el = scroller.current
    if (el === null) return
    // Only the first row in view goes into state: scrolling within a row re-renders nothing.
    const next = { first: Math.floor(el.scrollTop / rowHeight), height: el.clientHeight }
    setView((v) => (v.first === next.first && v.height === next.height ? v : next))
  }
  // biome-ignore lint/correctness/useExhaustiveDependencies: follow reads the latest row height through the closure each render
  useLayoutEffect(() => {
    const el = scroller.current
    if (el === null) return
    follow()
    const observer = new ResizeObserver(follow)
    observer.observe(el)
    return () => observer.disconnect()
  }, [rowHeight])
  // Rows are as high as the CSS makes them; the window math uses what the browser drew.
  useLayoutEffect(() => {
    const tr = scroller.current?.querySelector('tbody tr[data-row]')
    const h = tr?.getBoundingClientRect().height
    if (h !== undefined && h > 0 && Math.abs(h - rowHeight) > 0.01) setRowHeight(h)
  })

  const win = virtualWindow({
    count: rows.length,
    rowHeight,
    scrollTop: view.first * rowHeight,
    viewportHeight: view.height,
    overscan: OVERSCAN,
  })
  const span = columns.length

  return (
    <div className="runs-scroll" ref={scroller} onScroll={follow}>
      <table className="runs" aria-rowcount={rows.length + 1}>
        <caption className="visually-hidden">{caption}</caption>
        <colgroup>
          {columns.map((c) => (
            <col key={c.key} style={{ width: WIDTHS[c.key] ?? FIELD_WIDTH }} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            {columns.map((c) => {
              const active = sort.column === c.key
              return (
                // The select-all box follows the Name button in the DOM (Tab reaches the sort
                // buttons first, as before it existed) and is drawn at the cell's left.
                <th key={c.key} scope="col" aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
                  <button type="button" className="sort" onClick={() => onSort(c.key)} data-column={c.key}>
                    {c.label}
                    <span className="sort-mark" aria-hidden="true">
                      {active ? (sort.order === 'asc' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                  {c.key === 'name' && (
                    <input
                      type="checkbox"
                      className="select"
                      aria-label="Select every shown run"
                      checked={allState === 'all'}
                      ref={(el) => {
                        if (el !== null) el.indeterminate = allState === 'some'
                      }}
                      onChange={onSelectAll}
                    />
                  )}
                </th>
              )
            })}
          </tr>
        </thead>
        <tbody>
          {win.before > 0 && <Spacer height={win.before} span={span} />}
          {rows
            .slice(win.start, win.end)
            .map((row, i) =>
              row.type === 'group' ? (
                <GroupRow key={row.key} row={row} index={win.start + i + 2} span={span} name={props.groupName} onGroup={props.onGroup} />
              ) : (
                <RunRow key={row.key} run={row.run} index={win.start + i + 2} fields={fields} props={props} />
              ),
            )}
          {win.after > 0 && <Spacer height={win.after} span={span} />}
        </tbody>
      </table>
    </div>
  )
}

function Spacer({ height, span }: { height: number; span: number }) {
  return (
    <tr className="spacer" style={{ height }}>
      <td colSpan={span} />
    </tr>
  )
}

function GroupRow({
  row,
  index,
  span,
  name,
  onGroup,
}: {
  row: Extract<TableRow, { type: 'group' }>
  index: number
  span: number
  name: string | undefined
  onGroup: ((key: string, collapsed: boolean) => void) | undefined
}) {
  const key = row.key.slice('group:'.length)
  // Arrow keys as in a tree: left folds the group, right opens it; Enter and Space toggle.
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>): void => {
    if (e.key === 'ArrowLeft' && !row.collapsed) onGroup?.(key, true)
    else if (e.key === 'ArrowRight' && row.collapsed) onGroup?.(key, false)
    else return
    e.preventDefault()
  }
  return (
    <tr className="group-row" data-row="group" data-group={row.label} aria-rowindex={index}>
      <td colSpan={span}>
        <button type="button" aria-expanded={!row.collapsed} onClick={() => onGroup?.(key, !row.collapsed)} onKeyDown={onKeyDown}>
          <span className="group-mark" aria-hidden="true">
            {row.collapsed ? '▸' : '▾'}
          </span>
          {name !== undefined && <span className="muted">{name}: </span>}
          <span className="group-label">{row.label}</span>{' '}
          <span className="muted">
            ({row.count} {row.count === 1 ? 'run' : 'runs'})
          </span>
        </button>
      </td>
    </tr>
  )
}

function RunRow({ run, index, fields, props }: { run: RunJson; index: number; fields: readonly string[]; props: Props }) {
  const selected = props.selected.has(run.id)
  const hidden = props.hidden.has(run.id)
  const classes = [selected ? 'selected' : '', hidden ? 'hidden-run' : ''].filter(Boolean).join(' ')
  return (
    <tr data-row="run" data-run-id={run.id} aria-rowindex={index} aria-selected={selected} className={classes || undefined}>
      <td className="name">
        <input
          type="checkbox"
          className="select"
          aria-label={`Select ${run.name}`}
          checked={selected}
          onChange={() => props.onSelect(run.id)}
        />
        <button
          type="button"
          className="eye"
          aria-label={`Hide ${run.name}`}
          aria-pressed={hidden}
          title={hidden ? 'Hidden from the charts: click to chart it again' : 'Hide from the charts'}
          onClick={() => props.onHide(run.id)}
        >
          <EyeIcon shut={hidden} />
        </button>
        <span className="swatch" style={{ background: runColor(run.id) }} aria-hidden="true" />
        <Link href={runHref(run.workspace, run.project, run.id)} title={`id ${run.id}`}>
          {run.name}
        </Link>
      </td>
      <td>
        <StatusBadge status={run.status} />
      </td>
      <td>{run.group ?? <span className="muted">–</span>}</td>
      <td title={run.tags.join(', ')}>
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
      <td className="number">{formatDuration(runDuration(run, props.now) ?? Number.NaN)}</td>
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
  )
}

/** An eye, struck through when the run is hidden; drawn, not text, so a row's name cell reads as the name alone. */
function EyeIcon({ shut }: { shut: boolean }) {
  return (
    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path d="M1 8s2.5-5 7-5 7 5 7 5-2.5 5-7 5-7-5-7-5z" fill="none" stroke="currentColor" strokeWidth="1.4" />
      <circle cx="8" cy="8" r="2.2" fill="currentColor" />
      {shut && <path d="M2 14L14 2" stroke="currentColor" strokeWidth="1.6" />}
    </svg>
  )
}
