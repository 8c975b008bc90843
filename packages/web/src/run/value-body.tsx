import type { RunValueJson } from '@tally/sdk/api'
import { type ReactNode, useMemo } from 'react'
import { downloadText } from './download'
import { type Block, cellText, formatEdge, histogramBars, parseMarkdown, type Span, tableCsv } from './values-view'

/** Rows a table shows; the CSV download holds them all. */
const SHOWN_ROWS = 100

interface TableValue {
  columns: string[]
  rows: unknown[][]
}
interface HistogramValue {
  edges: number[]
  counts: number[]
}
interface ImageValue {
  mime: string
  width: number | null
  height: number | null
  caption: string | null
}

/** One rich value, drawn by its kind. */
export function ValueBody({ value }: { value: RunValueJson }) {
  switch (value.kind) {
    case 'table':
      return <TableBody name={`${value.key}-step-${value.step}`} table={value.value as TableValue} />
    case 'histogram':
      return <HistogramBody histogram={value.value as HistogramValue} />
    case 'image':
      return <ImageBody url={value.url ?? ''} image={value.value as ImageValue} name={value.key} />
    case 'markdown':
      return <MarkdownBody text={(value.value as { text: string }).text} />
  }
}

function TableBody({ table, name }: { table: TableValue; name: string }) {
  const download = (): void =>
    downloadText(tableCsv(table.columns, table.rows), `${name.replaceAll('/', '_')}.csv`, 'text/csv;charset=utf-8')
  const n = table.rows.length
  return (
    <div className="value-table">
      <p className="muted">
        {n.toLocaleString('en')} {n === 1 ? 'row' : 'rows'} × {table.columns.length} columns
        {n > SHOWN_ROWS && `, the first ${SHOWN_ROWS} shown`} ·{' '}
        <button type="button" className="link-button" onClick={download}>
          Download CSV
        </button>
      </p>
      <div className="value-table-scroll">
        <table className="kv">
          <thead>
            <tr>
              {table.columns.map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.slice(0, SHOWN_ROWS).map((row, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are shown in a fixed order
              <tr key={i}>
                {row.map((cell, j) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are placed by column
                  <td key={j} className={typeof cell === 'number' ? 'number' : undefined}>
                    {cellText(cell)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}

const W = 480
const H = 160

function HistogramBody({ histogram }: { histogram: HistogramValue }) {
  const bars = histogramBars(histogram.edges, histogram.counts, W, H)
  const total = histogram.counts.reduce((a, b) => a + b, 0)
  const lo = histogram.edges[0] ?? 0
  const hi = histogram.edges[histogram.edges.length - 1] ?? 0
  return (
    <figure className="value-histogram">
      <svg
        viewBox={`0 0 ${W} ${H + 18}`}
        role="img"
        aria-label={`histogram of ${total} values from ${formatEdge(lo)} to ${formatEdge(hi)}`}
      >
        {bars.map((b) => (
          <rect key={b.x} x={b.x} y={b.y} width={b.width} height={b.height} className="bar">
            <title>{b.label}</title>
          </rect>
        ))}
        <line x1={0} x2={W} y1={H} y2={H} className="axis" />
        <text x={0} y={H + 14} className="tick">
          {formatEdge(lo)}
        </text>
        <text x={W} y={H + 14} className="tick" textAnchor="end">
          {formatEdge(hi)}
        </text>
      </svg>
      <figcaption className="muted">
        {total.toLocaleString('en')} values in {histogram.counts.length} bins
      </figcaption>
    </figure>
  )
}

function ImageBody({ url, image, name }: { url: string; image: ImageValue; name: string }) {
  return (
    <figure className="value-image">
      <img
        src={url}
        alt={image.caption ?? name}
        {...(image.width !== null && { width: image.width })}
        {...(image.height !== null && { height: image.height })}
      />
      {image.caption !== null && <figcaption>{image.caption}</figcaption>}
    </figure>
  )
}

/** Text as React nodes: every string is escaped by React, so HTML in a note shows as written. */
function spans(list: Span[]): ReactNode[] {
  return list.map((s, i) => {
    const key = `${i}`
    if (s.code) return <code key={key}>{s.text}</code>
    if (s.bold) return <strong key={key}>{s.text}</strong>
    return <span key={key}>{s.text}</span>
  })
}

function MarkdownBody({ text }: { text: string }) {
  const blocks = useMemo(() => parseMarkdown(text), [text])
  return <div className="value-markdown">{blocks.map((b, i) => renderBlock(b, i))}</div>
}

function renderBlock(b: Block, i: number): ReactNode {
  switch (b.type) {
    case 'heading': {
      // Under the card's h3: a note's headings start at h4.
      const Tag = (['h4', 'h5', 'h6', 'h6'] as const)[b.level - 1] as 'h4'
      return <Tag key={i}>{spans(b.spans)}</Tag>
    }
    case 'code':
      return <pre key={i}>{b.text}</pre>
    case 'list':
      return (
        <ul key={i}>
          {b.items.map((item, j) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: items are shown in a fixed order
            <li key={j}>{spans(item)}</li>
          ))}
        </ul>
      )
    case 'paragraph':
      return <p key={i}>{spans(b.spans)}</p>
  }
}
