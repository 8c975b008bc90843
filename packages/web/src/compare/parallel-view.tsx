import type { RunJson } from '@tally/sdk/api'
import { type PointerEvent, useMemo, useState } from 'react'
import { navigate, runHref } from '../router'
import { formatField } from '../runs/run-fields'
import { type Brush, brushedRuns, type LineLayout, layoutParallel, MISSING_COLOR, RAMP } from './parallel-coords'

interface Props {
  runs: readonly RunJson[]
  workspace: string
  project: string
  /** Config field keys (`config.lr`) that vary across the runs: one axis each. */
  configFields: readonly string[]
  /** The runs' summary keys, for the metric select. */
  metricKeys: readonly string[]
  /** The summary key of the last axis; undefined when the runs have no summary. */
  metric: string | undefined
  onMetric: (key: string) => void
}

const points = (line: LineLayout): string => line.points.map((p) => `${p.x},${p.y}`).join(' ')
const rgb = (c: readonly number[]): string => `rgb(${c.join(' ')})`

/** A run's line stands out while hovered, and fades while another is hovered or a brush leaves it out. */
function lineClass(runId: string, hoveredId: string | undefined, kept: Set<string> | undefined): string {
  if (hoveredId === runId) return 'pc-line hovered'
  if (kept !== undefined && !kept.has(runId)) return 'pc-line filtered'
  return hoveredId === undefined ? 'pc-line' : 'pc-line faded'
}

/** Parallel coordinates: an axis per varying config key and the metric last; hovering or focusing a run's line shows its values, clicking opens it. */
export function ParallelView({ runs, workspace, project, configFields, metricKeys, metric, onMetric }: Props) {
  const layout = useMemo(
    () => layoutParallel(runs, configFields, metric === undefined ? undefined : `summary.${metric}`),
    [runs, configFields, metric],
  )
  const [hoveredId, setHoveredId] = useState<string>()
  const hovered = layout.lines.find((l) => l.runId === hoveredId)
  const [brushes, setBrushes] = useState<ReadonlyMap<string, Brush>>(new Map())
  const [drag, setDrag] = useState<{ field: string } & Brush>()
  const shownBrushes = drag === undefined ? brushes : new Map([...brushes, [drag.field, drag]])
  const kept = brushedRuns(layout, shownBrushes)
  // The SVG is drawn at its viewBox's size, so a pointer's offset from its top is an SVG y.
  const svgY = (e: PointerEvent<SVGElement>): number => {
    const box = e.currentTarget.ownerSVGElement?.getBoundingClientRect()
    const y = e.clientY - (box?.top ?? 0)
    return Math.min(layout.missingY + 8, Math.max(layout.top - 8, y))
  }
  const endDrag = (): void => {
    if (drag === undefined) return
    const next = new Map(brushes)
    // A click without a drag clears that axis's brush.
    if (Math.abs(drag.y1 - drag.y0) < 3) next.delete(drag.field)
    else next.set(drag.field, { y0: drag.y0, y1: drag.y1 })
    setBrushes(next)
    setDrag(undefined)
  }
  const open = (runId: string): void => {
    navigate(runHref(workspace, project, runId))
    window.scrollTo(0, 0)
  }

  if (layout.axes.length === 0) {
    return <p className="muted">No config key varies across these runs and they have no summary metric, so there is nothing to draw.</p>
  }
  return (
    <div className="pc">
      <div className="pc-controls">
        {metricKeys.length > 0 && (
          <label>
            Colour by metric{' '}
            <select value={metric} onChange={(e) => onMetric(e.target.value)}>
              {metricKeys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
        )}
        {layout.metricRange !== undefined && (
          <span className="pc-legend" data-testid="pc-legend">
            <span>{formatField(layout.metricRange.min)}</span>
            <span
              className="pc-ramp"
              style={{ background: `linear-gradient(to right, ${rgb(RAMP.low)}, ${rgb(RAMP.high)})` }}
              aria-hidden="true"
            />
            <span>{formatField(layout.metricRange.max)}</span>
            <span className="swatch" style={{ background: MISSING_COLOR }} aria-hidden="true" /> <span>no value</span>
          </span>
        )}
        {kept !== undefined && (
          <span className="pc-brushed">
            {kept.size} of {runs.length} runs in the brushed {shownBrushes.size === 1 ? 'range' : 'ranges'}{' '}
            <button type="button" onClick={() => setBrushes(new Map())}>
              Clear
            </button>
          </span>
        )}
        {configFields.length === 0 && <span className="muted">No config key varies across these runs: only the metric is drawn.</span>}
      </div>
      <div className="pc-scroll">
        <svg
          className="pc-svg"
          width={layout.width}
          height={layout.height}
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          onMouseLeave={() => setHoveredId(undefined)}
        >
          <title>{`Parallel coordinates of ${runs.length} runs`}</title>
          {layout.axes.map((axis) => (
            <g key={axis.field} className="pc-axis" data-field={axis.field} data-kind={axis.kind}>
              <text x={axis.x} y={layout.top - 22} className="pc-axis-label" textAnchor="middle">
                <title>{`${axis.field} (${axis.kind === 'category' ? 'categories' : axis.kind})`}</title>
                {axis.label.length > 20 ? `…${axis.label.slice(-19)}` : axis.label}
              </text>
              <line x1={axis.x} x2={axis.x} y1={layout.top} y2={layout.bottom} />
              <rect
                className="pc-brush-area"
                x={axis.x - 12}
                width={24}
                y={layout.top - 8}
                height={layout.missingY - layout.top + 16}
                onPointerDown={(e) => {
                  e.currentTarget.setPointerCapture(e.pointerId)
                  const y = svgY(e)
                  setDrag({ field: axis.field, y0: y, y1: y })
                }}
                onPointerMove={(e) => {
                  if (drag?.field === axis.field) setDrag({ ...drag, y1: svgY(e) })
                }}
                onPointerUp={endDrag}
                onPointerCancel={() => setDrag(undefined)}
              >
                <title>Drag along the axis to keep only the runs inside that range; click to clear it</title>
              </rect>
              {shownBrushes.has(axis.field) && (
                <rect
                  className="pc-brush"
                  x={axis.x - 8}
                  width={16}
                  y={Math.min(shownBrushes.get(axis.field)?.y0 ?? 0, shownBrushes.get(axis.field)?.y1 ?? 0)}
                  height={Math.abs((shownBrushes.get(axis.field)?.y1 ?? 0) - (shownBrushes.get(axis.field)?.y0 ?? 0))}
                />
              )}
              {axis.ticks.map((t) => (
                <g key={`${t.label}@${t.y}`}>
                  <line x1={axis.x - 4} x2={axis.x} y1={t.y} y2={t.y} />
                  <text x={axis.x - 7} y={t.y} dy="0.32em" textAnchor="end" className="pc-tick">
                    {t.label}
                  </text>
                </g>
              ))}
              {axis.hasMissing && (
                <text x={axis.x} y={layout.missingY} dy="0.32em" textAnchor="middle" className="pc-tick pc-missing">
                  missing
                </text>
              )}
            </g>
          ))}
          {layout.lines.map((line) => (
            // biome-ignore lint/a11y/useSemanticElements: an SVG line has no <a> of its own that takes a focus ring and hover in all browsers
            <g
              key={line.runId}
              className={lineClass(line.runId, hoveredId, kept)}
              data-run-id={line.runId}
              role="link"
              tabIndex={0}
              aria-label={`${line.name}: open its run page`}
              onMouseEnter={() => setHoveredId(line.runId)}
              onFocus={() => setHoveredId(line.runId)}
              onBlur={() => setHoveredId(undefined)}
              onClick={() => open(line.runId)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') open(line.runId)
              }}
            >
              <polyline points={points(line)} className="pc-hit" />
              <polyline points={points(line)} stroke={line.color} className="pc-stroke" />
              {line.points.map((p, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: one dot per axis, in the axes' order
                <circle key={i} cx={p.x} cy={p.y} r={3.5} fill={line.color} />
              ))}
            </g>
          ))}
          {hovered !== undefined && (
            // Drawn again on top, so the hovered run is never hidden under another line.
            <polyline points={points(hovered)} stroke={hovered.color} className="pc-stroke pc-top" />
          )}
        </svg>
      </div>
      <div className="pc-info" role="status" aria-live="polite">
        {hovered === undefined ? (
          <span className="muted">
            Hover or focus a line to see its run’s values; click it (or press Enter) to open the run. Drag along an axis to keep only the
            runs in a range.
          </span>
        ) : (
          <>
            <strong className="pc-run-name">{hovered.name}</strong>
            {layout.axes.map((axis, i) => (
              <span key={axis.field} className="pc-value">
                {axis.label} <strong>{formatField(hovered.values[i])}</strong>
              </span>
            ))}
          </>
        )}
      </div>
    </div>
  )
}
