/**
 * Trackio's rich values, as the core's with Trackio's constructor shapes where they differ:
 * a pandas DataFrame becomes `{ dataframe: { column: values[] } }`, and a histogram takes
 * `sequence` / `npHistogram` / `numBins`.
 */
import { TallyError } from '../errors.js'
import { Histogram as CoreHistogram, Table as CoreTable } from '../values/rich.js'

export { Image, Markdown } from '../values/rich.js'

export type TrackioTableOptions =
  /** Rows as arrays, one cell per column (Trackio's `columns=`, `data=`). */
  | { columns: string[]; data: unknown[][] }
  /** Rows as objects; columns in order of first appearance. */
  | { data: Record<string, unknown>[] }
  /** Column-oriented, as the dict a pandas DataFrame is built from. */
  | { dataframe: Record<string, unknown[]> }
  /** The core's shape. */
  | { columns: string[]; rows: unknown[][] }

function toCore(options: TrackioTableOptions): ConstructorParameters<typeof CoreTable>[0] {
  if (options === null || typeof options !== 'object') return options
  if ('dataframe' in options) return fromDataframe(options.dataframe)
  if ('columns' in options && 'data' in options) return { columns: options.columns, rows: options.data }
  return options
}

function fromDataframe(frame: Record<string, unknown[]>): { columns: string[]; rows: unknown[][] } {
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) {
    throw new TallyError('invalid_value', 'Table({ dataframe }) takes an object of columns: { name: [values…], … }')
  }
  const columns = Object.keys(frame)
  const cells = columns.map((c) => frame[c])
  const bad = columns.findIndex((_, i) => !Array.isArray(cells[i]))
  if (bad >= 0) throw new TallyError('invalid_value', `Table({ dataframe }): column "${columns[bad]}" must be an array of values`)
  const length = (cells[0] as unknown[] | undefined)?.length ?? 0
  const uneven = columns.findIndex((_, i) => (cells[i] as unknown[]).length !== length)
  if (uneven >= 0) {
    throw new TallyError(
      'invalid_value',
      `Table({ dataframe }): every column needs the same length; "${columns[0]}" has ${length}, "${columns[uneven]}" has ${(cells[uneven] as unknown[]).length}`,
    )
  }
  return { columns, rows: Array.from({ length }, (_, r) => cells.map((col) => (col as unknown[])[r])) }
}

/**
 * A table logged at a step.
 *
 * @example
 * trackio.log({ texts: new trackio.Table({ dataframe: { prompt: ['Trackio'], completion: ['is great!'] } }) })
 */
export class Table extends CoreTable {
  constructor(options: TrackioTableOptions) {
    super(toCore(options))
  }
}

export type TrackioHistogramOptions = {
  /** Raw values to bin. */
  sequence?: ArrayLike<number>
  /** Precomputed `[counts, edges]`, as `numpy.histogram` returns. */
  npHistogram?: [ArrayLike<number>, ArrayLike<number>]
  /** Bins for `sequence`. Default 64. */
  numBins?: number
}

function histogramArgs(
  source: ArrayLike<number> | TrackioHistogramOptions,
  numBins: number | undefined,
): ConstructorParameters<typeof CoreHistogram> {
  if (source !== null && typeof source === 'object' && !('length' in source)) {
    const o = source as TrackioHistogramOptions
    if (o.npHistogram !== undefined && o.sequence !== undefined) {
      throw new TallyError('invalid_value', 'Histogram takes sequence or npHistogram, not both')
    }
    if (o.npHistogram !== undefined) {
      const [counts, edges] = o.npHistogram
      return [{ counts, edges }]
    }
    if (o.sequence === undefined)
      throw new TallyError('invalid_value', 'Histogram needs values: { sequence } or { npHistogram: [counts, edges] }')
    return [o.sequence, { bins: o.numBins ?? numBins ?? 64 }]
  }
  return [source as ArrayLike<number>, { bins: numBins ?? 64 }]
}

/**
 * A histogram logged at a step.
 *
 * @example
 * trackio.log({ weights: new trackio.Histogram([0.1, 0.2, 0.2, 0.9], 4) })
 * trackio.log({ grads: new trackio.Histogram({ npHistogram: [[3, 1], [0, 0.5, 1]] }) })
 */
export class Histogram extends CoreHistogram {
  constructor(source: ArrayLike<number> | TrackioHistogramOptions, numBins?: number) {
    super(...histogramArgs(source, numBins))
  }
}
