/**
 * Rich values: what `run.log` takes besides numbers. Each is checked and copied when it is
 * built, so a value past its limit throws at the line that made it, and later changes to
 * the caller's arrays or buffers are not recorded by accident.
 */
import { readFileSync } from 'node:fs'
import { TallyError } from '../errors.js'
import { findNonJson, type JsonValue, tagNonFinite, untagNonFinite } from '../json.js'
import { describe } from '../validate.js'

export type ValueKind = 'table' | 'histogram' | 'image' | 'markdown'

/** Limits of rich values, shared with the server. */
export const VALUE_LIMITS = {
  tableRows: 10_000,
  tableColumns: 100,
  /** Bytes of a table as (tagged) JSON. */
  tableBytes: 8 * 1024 * 1024,
  histogramBins: 512,
  imageBytes: 5 * 1024 * 1024,
  /** Characters of a markdown text. */
  markdownChars: 1024 * 1024,
} as const

export interface TablePayload {
  columns: string[]
  /** Cells are any JSON; NaN and ±Infinity are kept. */
  rows: JsonValue[][]
}

/** `counts[i]` values fell in [edges[i], edges[i+1]) (the last bin includes its right edge). */
export interface HistogramPayload {
  edges: number[]
  counts: number[]
}

export type ImageMime = 'image/png' | 'image/jpeg'

/** An image's description; its bytes travel beside it. */
export interface ImagePayload {
  mime: ImageMime
  bytes: number
  /** Known for PNG (read from its header); null for JPEG. */
  width: number | null
  height: number | null
  caption: string | null
}

export interface MarkdownPayload {
  text: string
}

/** Base of the rich value classes; `run.log` tells them from numbers by it. */
export abstract class RichValue {
  abstract readonly kind: ValueKind
  /** The JSON the value is stored as (images: their description, without the bytes). */
  abstract payload(): JsonValue
}

function tooLarge(message: string): TallyError {
  return new TallyError('value_too_large', message)
}

function invalid(message: string): TallyError {
  return new TallyError('invalid_value', message)
}

/**
 * A table: named columns and rows of JSON cells (numbers, strings, booleans, null, nested
 * JSON). At most 10,000 rows × 100 columns and 8 MB as JSON.
 *
 * @example
 * new Table({ columns: ['input', 'label', 'pred'], rows: [['a cat', 1, 0.93], ['a dog', 0, 0.12]] })
 * new Table({ data: [{ input: 'a cat', label: 1 }, { input: 'a dog', label: 0 }] }) // columns from the objects' keys
 */
export class Table extends RichValue {
  readonly kind = 'table'
  readonly columns: readonly string[]
  readonly rows: readonly (readonly JsonValue[])[]

  constructor(options: { columns: string[]; rows: unknown[][] } | { data: Record<string, unknown>[] }) {
    super()
    if (options === null || typeof options !== 'object') {
      throw invalid(`Table takes { columns, rows } or { data: [objects] }; got ${describe(options)}`)
    }
    const { columns, rows } = 'data' in options ? fromObjects(options.data) : fromRows(options)
    if (columns.length > VALUE_LIMITS.tableColumns) {
      throw tooLarge(`a table may have at most ${VALUE_LIMITS.tableColumns} columns; got ${columns.length}`)
    }
    if (rows.length > VALUE_LIMITS.tableRows) {
      throw tooLarge(`a table may have at most ${VALUE_LIMITS.tableRows} rows; got ${rows.length}: log a sample`)
    }
    rows.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== columns.length) {
        throw invalid(`table row ${i} must be an array of ${columns.length} cells, one per column; got ${describe(row)}`)
      }
      const bad = findNonJson(row, `rows[${i}]`)
      if (bad) throw invalid(`table cells must be JSON values; ${bad} is not`)
    })
    const tagged = tagNonFinite(rows as JsonValue[][])
    const bytes = Buffer.byteLength(JSON.stringify({ columns, rows: tagged }))
    if (bytes > VALUE_LIMITS.tableBytes) {
      throw tooLarge(`this table is ${bytes} bytes as JSON; the limit is ${VALUE_LIMITS.tableBytes} (8 MB): log fewer rows`)
    }
    this.columns = Object.freeze([...columns])
    this.rows = untagNonFinite(tagged) as JsonValue[][]
  }

  payload(): JsonValue {
    return { columns: [...this.columns], rows: this.rows as JsonValue[][] }
  }
}

function fromRows(options: { columns?: unknown; rows?: unknown }): { columns: string[]; rows: unknown[][] } {
  const { columns, rows } = options
  if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')) {
    throw invalid(`a table's columns must be an array of strings; got ${describe(columns)}`)
  }
  if (!Array.isArray(rows)) throw invalid(`a table's rows must be an array of arrays; got ${describe(rows)}`)
  return { columns: columns as string[], rows: rows as unknown[][] }
}

function fromObjects(data: unknown): { columns: string[]; rows: unknown[][] } {
  if (!Array.isArray(data)) throw invalid(`Table({ data }) takes an array of objects; got ${describe(data)}`)
  const columns: string[] = []
  const seen = new Set<string>()
  data.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw invalid(`Table({ data }) takes an array of objects; item ${i} is ${describe(item)}`)
    }
    for (const k of Object.keys(item)) {
      if (!seen.has(k)) {
        seen.add(k)
        columns.push(k)
      }
    }
    // Stop early on absurd inputs instead of walking every key of every object first.
    if (columns.length > VALUE_LIMITS.tableColumns) {
      throw tooLarge(`a table may have at most ${VALUE_LIMITS.tableColumns} columns; these objects have more keys`)
    }
  })
  const rows = (data as Record<string, unknown>[]).map((o) => columns.map((c) => (o[c] === undefined ? null : o[c])))
  return { columns, rows }
}

/**
 * A histogram, computed from values (into `bins` equal bins, default 64, at most 512; NaN
 * and ±Infinity are left out) or given as bin edges and counts.
 *
 * @example
 * new Histogram(weights)                        // 64 bins over [min, max]
 * new Histogram(weights, { bins: 20 })
 * new Histogram({ edges: [0, 1, 2], counts: [5, 3] })
 */
export class Histogram extends RichValue {
  readonly kind = 'histogram'
  readonly edges: readonly number[]
  readonly counts: readonly number[]

  constructor(values: ArrayLike<number> | { edges: ArrayLike<number>; counts: ArrayLike<number> }, options: { bins?: number } = {}) {
    super()
    const binned = isBinned(values) ? checkBins(values) : binValues(values, options.bins ?? 64)
    this.edges = Object.freeze(binned.edges)
    this.counts = Object.freeze(binned.counts)
  }

  payload(): JsonValue {
    return { edges: [...this.edges], counts: [...this.counts] }
  }
}

function isBinned(v: unknown): v is { edges: ArrayLike<number>; counts: ArrayLike<number> } {
  return v !== null && typeof v === 'object' && 'edges' in v && 'counts' in v
}

function checkBinCount(bins: number): void {
  if (!Number.isInteger(bins) || bins < 1) throw invalid(`a histogram's bins must be an integer ≥ 1; got ${describe(bins)}`)
  if (bins > VALUE_LIMITS.histogramBins) throw tooLarge(`a histogram may have at most ${VALUE_LIMITS.histogramBins} bins; got ${bins}`)
}

/** An array or typed array (not any object with a `length`, which a client could set to 2^32). */
const isList = (v: unknown): v is ArrayLike<number> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))

function checkBins(v: { edges: ArrayLike<number>; counts: ArrayLike<number> }): HistogramPayload {
  if (!isList(v.edges) || !isList(v.counts)) throw invalid("a histogram's edges and counts must be arrays of numbers")
  // The bin count is checked before anything is copied.
  checkBinCount(v.counts.length)
  if (v.edges.length > VALUE_LIMITS.histogramBins + 1) throw tooLarge(`a histogram may have at most ${VALUE_LIMITS.histogramBins} bins`)
  const edges = Array.from(v.edges)
  const counts = Array.from(v.counts)
  if (edges.length !== counts.length + 1) {
    throw invalid(`a histogram has one more edge than counts; got ${edges.length} edges and ${counts.length} counts`)
  }
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i] as number
    if (typeof e !== 'number' || !Number.isFinite(e)) throw invalid(`histogram edges must be finite numbers; edge ${i} is ${describe(e)}`)
    if (i > 0 && e <= (edges[i - 1] as number)) throw invalid(`histogram edges must increase; edge ${i} (${e}) does not`)
  }
  for (const c of counts) {
    if (typeof c !== 'number' || !Number.isFinite(c) || c < 0)
      throw invalid(`histogram counts must be finite numbers ≥ 0; got ${describe(c)}`)
  }
  return { edges, counts }
}

function binValues(values: ArrayLike<number>, bins: number): HistogramPayload {
  checkBinCount(bins)
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw invalid(`Histogram takes an array of numbers or { edges, counts }; got ${describe(values)}`)
  }
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (typeof v !== 'number') throw invalid(`Histogram takes numbers; item ${i} is ${describe(v)}`)
    if (!Number.isFinite(v)) continue
    if (v < min) min = v
    if (v > max) max = v
  }
  if (min > max) return { edges: [0, 1], counts: [0] }
  // All values equal: one bin of width 1 around them, so the bar has somewhere to stand.
  if (min === max) {
    min -= 0.5
    max += 0.5
  }
  const width = (max - min) / bins
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width))
  const counts = new Array<number>(bins).fill(0)
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (!Number.isFinite(v)) continue
    const b = Math.min(bins - 1, Math.floor((v - min) / width))
    counts[b] = (counts[b] as number) + 1
  }
  return { edges, counts }
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** The image type from its first bytes, or undefined when it is neither PNG nor JPEG. */
export function sniffImage(bytes: Uint8Array): ImageMime | undefined {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'image/png'
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  return undefined
}

/**
 * A PNG or JPEG image (at most 5 MB), from its bytes or a file path read at once. The type
 * comes from the bytes, never from a file name.
 *
 * @example
 * new Image(pngBytes)
 * new Image('out/samples-epoch-3.png', { caption: 'samples at epoch 3' })
 */
export class Image extends RichValue {
  readonly kind = 'image'
  readonly mime: ImageMime
  readonly bytes: Buffer
  readonly width: number | null
  readonly height: number | null
  readonly caption: string | null

  constructor(source: Uint8Array | string, options: { caption?: string } = {}) {
    super()
    const bytes = readImage(source)
    if (bytes.length > VALUE_LIMITS.imageBytes) {
      throw tooLarge(`an image may be at most ${VALUE_LIMITS.imageBytes} bytes (5 MB); got ${bytes.length}: scale it down`)
    }
    const mime = sniffImage(bytes)
    if (mime === undefined) throw invalid('an image must be PNG or JPEG bytes; these start with neither signature')
    if (options.caption !== undefined && typeof options.caption !== 'string') {
      throw invalid(`an image's caption is a string; got ${describe(options.caption)}`)
    }
    this.mime = mime
    this.bytes = bytes
    // IHDR is always the first chunk: width and height are big-endian u32s at 16 and 20.
    const png = mime === 'image/png' && bytes.length >= 24
    this.width = png ? bytes.readUInt32BE(16) : null
    this.height = png ? bytes.readUInt32BE(20) : null
    this.caption = options.caption ?? null
  }

  payload(): JsonValue {
    return { mime: this.mime, bytes: this.bytes.length, width: this.width, height: this.height, caption: this.caption }
  }
}

function readImage(source: Uint8Array | string): Buffer {
  if (typeof source === 'string') {
    try {
      return readFileSync(source)
    } catch (e) {
      throw new TallyError('invalid_value', `cannot read image file ${source}: ${(e as Error).message}`, { cause: e })
    }
  }
  if (source instanceof Uint8Array) return Buffer.from(source)
  throw invalid(`Image takes PNG or JPEG bytes (a Uint8Array or Buffer) or a file path; got ${describe(source)}`)
}

/**
 * Markdown or plain text (at most 1 Mi characters). The dashboard shows it as text with
 * headings, bold, inline code and code blocks; HTML in it is shown, never run.
 *
 * @example
 * new Markdown('## Notes\nThe **learning rate** was halved at step 3000.')
 */
export class Markdown extends RichValue {
  readonly kind = 'markdown'
  readonly text: string

  constructor(text: string) {
    super()
    if (typeof text !== 'string') throw invalid(`Markdown takes a string; got ${describe(text)}`)
    if (text.length > VALUE_LIMITS.markdownChars) {
      throw tooLarge(`markdown may be at most ${VALUE_LIMITS.markdownChars} characters; got ${text.length}`)
    }
    this.text = text
  }

  payload(): JsonValue {
    return { text: this.text }
  }
}

/**
 * The rich value a spool `value` event describes, rebuilt through the classes so a store
 * holds events from any client to the same checks and limits as the SDK's own.
 */
export function richValueOf(kind: unknown, value: unknown, data: unknown): RichValue {
  const v = (value ?? {}) as Record<string, unknown>
  switch (kind) {
    case 'table':
      return new Table({ columns: v.columns as string[], rows: untagNonFinite(v.rows as JsonValue) as unknown[][] })
    case 'histogram':
      return new Histogram({ edges: (v.edges ?? []) as number[], counts: (v.counts ?? []) as number[] })
    case 'markdown':
      return new Markdown(v.text as string)
    case 'image': {
      if (typeof data !== 'string') throw invalid('an image value carries its bytes as base64 in data')
      const caption = typeof v.caption === 'string' ? v.caption : undefined
      return new Image(Buffer.from(data, 'base64'), caption === undefined ? {} : { caption })
    }
    default:
      throw invalid(`a value's kind is table, histogram, image or markdown; got ${describe(kind)}`)
  }
}
