import { type RefObject, useEffect, useRef, useState } from 'react'
import type uPlot from 'uplot'
import { ApiError, readSeries } from '../api/client'
import { runColor } from '../runs/run-color'
import type { ChartRun } from './chart-data'
import { exportName, pointsCsv } from './chart-export'
import { chartPng, saveBlob } from './chart-png'
import { type ChartView, stepRange } from './chart-view'

interface Props {
  metric: string
  /** For file names. */
  project: string
  /** The runs the chart draws, in its order. */
  runs: readonly ChartRun[]
  view: ChartView
  full: boolean
  plot: RefObject<uPlot | undefined>
  onFull: (full: boolean) => void
}

/**
 * A chart's buttons: full window (Escape closes it too), a CSV of every point the chart
 * covers (each run's raw points over the zoomed step range, read for the download), and a
 * PNG of the chart as drawn, with its title and legend.
 */
export function ChartActions({ metric, project, runs, view, full, plot, onFull }: Props) {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string>()
  const fullButton = useRef<HTMLButtonElement>(null)

  // Focus follows the chart into and out of the full window, so the keyboard stays with it.
  const wasFull = useRef(full)
  useEffect(() => {
    if (full !== wasFull.current) fullButton.current?.focus()
    wasFull.current = full
  }, [full])

  const csv = async (): Promise<void> => {
    setBusy(true)
    setProblem(undefined)
    try {
      const range = stepRange(view)
      const points = await Promise.all(
        runs.map(async (r) => {
          const s = await readSeries(r.id, metric, range)
          return { id: r.id, name: r.name, steps: s.steps, times: s.times, values: s.values }
        }),
      )
      saveBlob(new Blob([pointsCsv(points)], { type: 'text/csv' }), exportName(project, metric, 'csv'))
    } catch (e) {
      setProblem(`Could not download the CSV: ${e instanceof ApiError ? e.message : String(e)}`)
    } finally {
      setBusy(false)
    }
  }

  const png = async (): Promise<void> => {
    const u = plot.current
    if (u === undefined) return
    setProblem(undefined)
    try {
      const style = getComputedStyle(u.root)
      const bg = getComputedStyle(document.body).backgroundColor
      const blob = await chartPng(
        u.ctx.canvas,
        metric,
        runs.map((r) => ({ name: r.name, color: runColor(r.id) })),
        { fg: style.color, bg: bg && bg !== 'rgba(0, 0, 0, 0)' ? bg : '#ffffff', font: style.fontFamily || 'sans-serif' },
      )
      saveBlob(blob, exportName(project, metric, 'png'))
    } catch (e) {
      setProblem(`Could not make the PNG: ${String(e)}`)
    }
  }

  return (
    <div className="chart-actions">
      <button
        type="button"
        className="icon-button"
        onClick={() => void csv()}
        disabled={busy || runs.length === 0}
        aria-label={`Download ${metric} as CSV`}
        title="Download every point in range as CSV"
      >
        CSV
      </button>
      <button
        type="button"
        className="icon-button"
        onClick={() => void png()}
        disabled={runs.length === 0}
        aria-label={`Download ${metric} as PNG`}
        title="Download the chart as PNG"
      >
        PNG
      </button>
      <button
        ref={fullButton}
        type="button"
        className="icon-button"
        onClick={() => onFull(!full)}
        aria-label={full ? `Close full screen ${metric}` : `Full screen ${metric}`}
        aria-pressed={full}
        title={full ? 'Close (Escape)' : 'Full screen'}
      >
        {full ? '✕' : '⤢'}
      </button>
      {problem && (
        <span role="alert" className="chart-error">
          {problem}
        </span>
      )}
    </div>
  )
}
