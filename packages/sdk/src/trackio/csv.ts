/**
 * Trackio's CSV import format: a header row with a `step` column, an optional `timestamp`
 * column, and every other column a metric. Empty cells are metrics not logged at that step.
 * A column with an empty header is pandas' unnamed index (`df.to_csv()`), not a metric.
 */
import { TallyError } from '../errors.js'
import { checkKey } from '../validate.js'

/** Numbers as pandas and Python write them, the non-finite ones included. */
const NON_FINITE: Record<string, number> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
}

export interface CsvRow {
  step: number
  metrics: Record<string, number>
}

/** RFC 4180 fields: commas and newlines inside double quotes, `""` for a quote. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"' && field === '') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  if (quoted) throw new TallyError('invalid_argument', 'the CSV ends inside a quoted field: close its double quote')
  if (field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''))
}

/** The rows of a Trackio CSV as steps and metrics; `where` names the file in errors. */
export function trackioRows(text: string, where: string): CsvRow[] {
  const [header, ...body] = parseCsv(text.startsWith('\uFEFF') ? text.slice(1) : text)
  if (header === undefined) throw new TallyError('invalid_argument', `${where} is empty: it needs a header row with a step column`)
  const names = header.map((h) => h.trim())
  const stepAt = names.findIndex((n) => n.toLowerCase() === 'step')
  if (stepAt < 0) throw new TallyError('invalid_argument', `${where} has no "step" column; its header is: ${names.join(', ')}`)
  const skip = new Set([stepAt, names.findIndex((n) => n.toLowerCase() === 'timestamp')])
  names.forEach((n, i) => {
    if (n === '') skip.add(i)
  })
  // Every metric name is checked before any row, so a bad header leaves no run behind.
  names.forEach((n, i) => {
    if (!skip.has(i)) checkKey(n)
  })
  return body.map((cells, r) => {
    const line = r + 2
    if (cells.length !== names.length) {
      throw new TallyError('invalid_argument', `${where} line ${line} has ${cells.length} fields; the header has ${names.length}`)
    }
    const rawStep = (cells[stepAt] as string).trim()
    const step = /^\d+$/.test(rawStep) ? Number(rawStep) : Number.NaN
    if (!Number.isSafeInteger(step)) {
      throw new TallyError('invalid_step', `${where} line ${line}: step must be an integer ≥ 0; got ${JSON.stringify(cells[stepAt])}`)
    }
    const metrics: Record<string, number> = {}
    names.forEach((name, i) => {
      if (skip.has(i)) return
      const raw = (cells[i] as string).trim()
      if (raw === '') return
      const value = NON_FINITE[raw.toLowerCase()] ?? Number(raw)
      if (Number.isNaN(value) && raw.toLowerCase() !== 'nan') {
        throw new TallyError('invalid_value', `${where} line ${line}: "${name}" must be a number; got ${JSON.stringify(raw)}`)
      }
      metrics[name] = value
    })
    return { step, metrics }
  })
}
