/**
 * The parallel-coordinates view's geometry: an axis per config key that varies across the
 * runs compared and one for a summary metric, each with its scale (linear, log for positive
 * values spanning more than two decades such as learning rates, categorical for strings and
 * booleans), and one polyline per run coloured by its metric. Plain functions, no React, so
 * the component only draws and this is tested alone.
 */
import type { RunJson } from '@tally/sdk/api'
import { fieldValue, formatField, type JsonValue } from '../runs/run-fields'

export type AxisKind = 'linear' | 'log' | 'category'

/** Where values sit on an axis, from 0 (bottom) to 1 (top). */
export interface Scale {
  kind: AxisKind
  /** A value's position; undefined for one the axis cannot place (missing, NaN, ±Infinity on a numeric axis). */
  pos: (value: JsonValue | undefined) => number | undefined
  ticks: { pos: number; label: string }[]
}

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity'])
const isNumberLike = (v: JsonValue | undefined): boolean => typeof v === 'number' || (typeof v === 'string' && NON_FINITE.has(v))
const finite = (v: JsonValue | undefined): v is number => typeof v === 'number' && Number.isFinite(v)

/**
 * The scale for these values: numeric when every value present is a number (NaN and
 * ±Infinity included, though they cannot be placed) and one is finite; log when those are
 * all positive and span more than two decades; categorical otherwise.
 */
export function scaleFor(values: readonly (JsonValue | undefined)[]): Scale {
  const present = values.filter((v) => v !== undefined)
  const numbers = present.filter(finite)
  if (numbers.length > 0 && present.every(isNumberLike)) {
    const min = Math.min(...numbers)
    const max = Math.max(...numbers)
    if (min > 0 && max / min > 100) return logScale(min, max)
    return linearScale(min, max)
  }
  return categoryScale(present)
}

function linearScale(min: number, max: number): Scale {
  // One value alone sits mid-axis rather than at an end that means nothing.
  if (min === max) return { kind: 'linear', pos: (v) => (finite(v) ? 0.5 : undefined), ticks: [{ pos: 0.5, label: formatField(min) }] }
  const pos = (v: JsonValue | undefined): number | undefined => (finite(v) ? (v - min) / (max - min) : undefined)
  const ticks = niceTicks(min, max).map((t) => ({ pos: (t - min) / (max - min), label: formatField(t) }))
  return { kind: 'linear', pos, ticks }
}

function logScale(min: number, max: number): Scale {
  const lo = Math.log10(min)
  const span = Math.log10(max) - lo
  const pos = (v: JsonValue | undefined): number | undefined => (finite(v) && v > 0 ? (Math.log10(v) - lo) / span : undefined)
  const ticks: Scale['ticks'] = []
  // Powers of ten inside the range: more than two decades always hold at least two.
  for (let e = Math.ceil(lo - 1e-9); e <= Math.log10(max) + 1e-9; e++) ticks.push({ pos: (e - lo) / span, label: formatField(10 ** e) })
  return { kind: 'log', pos, ticks }
}

function categoryScale(present: readonly JsonValue[]): Scale {
  const labels = [...new Set(present.map((v) => formatField(v)))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
  const at = (i: number): number => (labels.length === 1 ? 0.5 : i / (labels.length - 1))
  const index = new Map(labels.map((l, i) => [l, i]))
  return {
    kind: 'category',
    pos: (v) => {
      if (v === undefined) return undefined
      const i = index.get(formatField(v))
      return i === undefined ? undefined : at(i)
    },
    ticks: labels.map((label, i) => ({ pos: at(i), label })),
  }
}

/** About five round ticks (1, 2 or 5 × 10ⁿ apart) inside [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  const raw = (max - min) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag
  const ticks: number[] = []
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
    // Rounded to the step's precision, so 0.1 + 0.2 reads 0.3.
    ticks.push(Number(t.toPrecision(12)))
  }
  return ticks
}

/** The summary metric the view colours by: `wanted` when the runs have it, else the first with "loss" in it, else the first. */
export function pickMetric(keys: readonly string[], wanted: string | null): string | undefined {
  if (wanted !== null && keys.includes(wanted)) return wanted
  return keys.find((k) => k.toLowerCase().includes('loss')) ?? keys[0]
}

/** The two ends of the colour ramp: low metric values blue, high ones orange. */
export const RAMP = { low: [47, 111, 223], high: [232, 89, 12] } as const
export const MISSING_COLOR = '#98a2b3'

/** A colour on the ramp, `t` from 0 (low) to 1 (high). */
export function rampColor(t: number): string {
  const c = RAMP.low.map((lo, i) => Math.round(lo + ((RAMP.high[i] as number) - lo) * Math.min(1, Math.max(0, t))))
  return `rgb(${c.join(' ')})`
}

export interface AxisLayout {
  /** The field key, `config.lr` or `summary.val/loss`. */
  field: string
  /** What the axis is headed with: the key without its source. */
  label: string
  kind: AxisKind
  x: number
  ticks: { y: number; label: string }[]
  /** Whether a run lacks a placeable value here, so the axis shows its "missing" tick. */
  hasMissing: boolean
}

export interface LineLayout {
  runId: string
  name: string
  /** One point per axis, in axis order. */
  points: { x: number; y: number }[]
  /** The run's value on each axis, in axis order (undefined: missing). */
  values: (JsonValue | undefined)[]
  color: string
}

export interface ParallelLayout {
  width: number
  height: number
  /** Where axes start (top) and end (bottom), and the "missing" tick below them. */
  top: number
  bottom: number
  missingY: number
  axes: AxisLayout[]
  lines: LineLayout[]
  /** The metric's finite range for the legend; undefined when no run has a number for it. */
  metricRange: { min: number; max: number } | undefined
}

const PAD_X = 70
const SPACING = 150
const TOP = 44
const BOTTOM = 300
const MISSING_Y = 332
const HEIGHT = 352

/**
 * Axes for `fields` (config keys, then the metric last when there is one) and a line per run.
 * A run without a placeable value on an axis is drawn at that axis's "missing" tick.
 */
export function layoutParallel(runs: readonly RunJson[], configFields: readonly string[], metric: string | undefined): ParallelLayout {
  const fields = metric === undefined ? [...configFields] : [...configFields, metric]
  const width = PAD_X * 2 + Math.max(0, fields.length - 1) * SPACING
  const xOf = (i: number): number => (fields.length === 1 ? width / 2 : PAD_X + i * SPACING)
  const yOf = (pos: number): number => BOTTOM - pos * (BOTTOM - TOP)
  const scales = fields.map((f) => scaleFor(runs.map((r) => fieldValue(r, f))))
  const lines: LineLayout[] = runs.map((run) => {
    const values = fields.map((f) => fieldValue(run, f))
    return {
      runId: run.id,
      name: run.name,
      values,
      points: values.map((v, i) => {
        const pos = scales[i]?.pos(v)
        return { x: xOf(i), y: pos === undefined ? MISSING_Y : yOf(pos) }
      }),
      color: MISSING_COLOR,
    }
  })
  const axes = fields.map(
    (field, i): AxisLayout => ({
      field,
      label: field.slice(field.indexOf('.') + 1),
      kind: scales[i]?.kind ?? 'category',
      x: xOf(i),
      ticks: (scales[i]?.ticks ?? []).map((t) => ({ y: yOf(t.pos), label: t.label })),
      hasMissing: lines.some((l) => l.points[i]?.y === MISSING_Y),
    }),
  )
  let metricRange: ParallelLayout['metricRange']
  if (metric !== undefined) {
    const metricValues = lines.map((l) => l.values[l.values.length - 1])
    const numbers = metricValues.filter(finite)
    if (numbers.length > 0) {
      const min = Math.min(...numbers)
      const max = Math.max(...numbers)
      metricRange = { min, max }
      for (const [i, line] of lines.entries()) {
        const v = metricValues[i]
        if (finite(v)) line.color = rampColor(max === min ? 0.5 : (v - min) / (max - min))
      }
    }
  }
  return { width, height: HEIGHT, top: TOP, bottom: BOTTOM, missingY: MISSING_Y, axes, lines, metricRange }
}

/** A brushed range of one axis, in SVG units: from `y0` to `y1`, either way round. */
export interface Brush {
  y0: number
  y1: number
}

/**
 * The runs whose line passes inside every brushed range (an axis's "missing" tick counts
 * where a brush covers it); undefined when nothing is brushed, so every run is shown.
 */
export function brushedRuns(layout: ParallelLayout, brushes: ReadonlyMap<string, Brush>): Set<string> | undefined {
  if (brushes.size === 0) return undefined
  const kept = new Set<string>()
  for (const line of layout.lines) {
    const inside = layout.axes.every((axis, i) => {
      const brush = brushes.get(axis.field)
      const y = line.points[i]?.y
      return brush === undefined || (y !== undefined && y >= Math.min(brush.y0, brush.y1) && y <= Math.max(brush.y0, brush.y1))
    })
    if (inside) kept.add(line.runId)
  }
  return kept
}
