import 'uplot/dist/uPlot.min.css'
import type { RunJson } from '@tally/sdk/api'
import { useEffect, useRef, useState } from 'react'
import uPlot from 'uplot'
import { ApiError, readBuckets } from '../api/client'
import { formatValue } from '../format'
import { runColor, runColorAlpha } from '../runs/run-color'
import { nearestPoint, type Ys } from './align'
import { bucketSeries, bucketsFor } from './bucket-series'
import { type ChartData, type ChartRun, chartData } from './chart-data'
import { type ChartView, stepRange } from './chart-view'
import { useInView, useWidth } from './use-in-view'

const HEIGHT = 220

interface Props {
  metric: string
  /** The runs that logged this metric. */
  runs: readonly RunJson[]
  view: ChartView
  /** A drag selected this step range; undefined: back to every step (double-click). */
  onZoom: (range: { xmin: number; xmax: number } | undefined) => void
}

type Loaded = { key: string; runs: ChartRun[] } | { key: string; error: ApiError }

/**
 * One metric of several runs, x = step. It fetches nothing until scrolled near; then it asks
 * for one bucket a pixel over the zoomed range, draws each bucket's last value as the line
 * and its min/max as a faint band, and, with smoothing, the smoothed line over the raw one.
 */
export function MetricChart({ metric, runs, view, onZoom }: Props) {
  const box = useRef<HTMLDivElement>(null)
  const plotEl = useRef<HTMLDivElement>(null)
  const inView = useInView(box)
  const width = useWidth(box)
  const buckets = bucketsFor(width)
  // Not zoomed, every run is asked for the same range, so their buckets share boundaries
  // and their points line up on one x.
  const zoom = stepRange(view)
  const from = zoom.from ?? 0
  const to = zoom.to ?? Math.max(0, ...runs.map((r) => r.lastStep ?? 0))
  const runKey = runs.map((r) => r.id).join(',')
  const fetchKey = `${metric}|${runKey}|${buckets}|${from}|${to}`
  const [loaded, setLoaded] = useState<Loaded>()
  const [hover, setHover] = useState<number | null>(null)
  const [chart, setChart] = useState<ChartData>()
  const onZoomRef = useRef(onZoom)
  onZoomRef.current = onZoom
  const runsRef = useRef(runs)
  runsRef.current = runs

  useEffect(() => {
    if (!inView || width === 0) return
    const abort = new AbortController()
    const range = { buckets, from, to }
    Promise.all(
      runsRef.current.map(async (run) => ({
        id: run.id,
        name: run.name,
        series: bucketSeries(await readBuckets(run.id, metric, range, abort.signal)),
      })),
    ).then(
      (chartRuns) => {
        if (!abort.signal.aborted) setLoaded({ key: fetchKey, runs: chartRuns })
      },
      (e: unknown) => {
        if (abort.signal.aborted) return
        setLoaded({ key: fetchKey, error: e instanceof ApiError ? e : new ApiError('internal', String(e), 0) })
      },
    )
    return () => abort.abort()
  }, [inView, width, fetchKey, buckets, from, to, metric])

  const ready = loaded !== undefined && 'runs' in loaded ? loaded : undefined
  const { smoothing, log, xmin, xmax } = view
  useEffect(() => {
    const el = plotEl.current
    if (ready === undefined || el === null || width === 0) return
    const built = chartData(ready.runs, smoothing, log)
    setChart(built)
    setHover(null)
    const style = getComputedStyle(el)
    const fg = style.color
    const grid = style.getPropertyValue('--line').trim() || '#e4e7ec'
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
    const series: uPlot.Series[] = [{ label: 'step' }]
    for (let i = 1; i < built.data.length; i++) series.push({})
    for (const c of built.columns) {
      const band = { label: `${c.run.name} band`, stroke: 'transparent', width: 0, points: { show: false } }
      series[c.hi] = band
      series[c.lo] = band
      if (c.raw !== undefined)
        series[c.raw] = { label: `${c.run.name} raw`, stroke: runColorAlpha(c.run.id, 0.3), width: 1, points: { show: false } }
      series[c.line] = { label: c.run.name, stroke: runColor(c.run.id), width: 1.5 }
    }
    const zoomed = xmin !== undefined && xmax !== undefined
    const u = new uPlot(
      {
        width,
        height: HEIGHT,
        legend: { show: false },
        scales: {
          x: { time: false, ...(zoomed && { range: (): uPlot.Range.MinMax => [xmin, xmax] }) },
          y: log ? { distr: 3, log: 10 } : {},
        },
        axes: [axis, { ...axis, size: 60 }],
        series,
        bands: built.columns.map((c) => ({ series: [c.hi, c.lo], fill: runColorAlpha(c.run.id, 0.15) })),
        cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
        hooks: {
          setCursor: [(self) => setHover(self.cursor.idx ?? null)],
          setSelect: [
            (self) => {
              const sel = self.select
              if (sel.width < 3) return
              const lo = self.posToVal(sel.left, 'x')
              const hi = self.posToVal(sel.left + sel.width, 'x')
              self.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
              if (hi > lo) onZoomRef.current({ xmin: Math.floor(lo), xmax: Math.ceil(hi) })
            },
          ],
        },
      },
      built.data as uPlot.AlignedData,
      el,
    )
    const reset = (): void => onZoomRef.current(undefined)
    u.over.addEventListener('dblclick', reset)
    return () => {
      u.over.removeEventListener('dblclick', reset)
      u.destroy()
    }
  }, [ready, width, smoothing, log, xmin, xmax])

  const error = loaded !== undefined && 'error' in loaded && loaded.key === fetchKey ? loaded.error : undefined
  const state = error ? 'error' : ready?.key === fetchKey && chart ? 'ready' : 'loading'
  return (
    <figure className="chart" data-metric={metric} data-state={state} data-points={chart?.points ?? 0}>
      <figcaption>{metric}</figcaption>
      <div ref={box} className="chart-plot" style={{ minHeight: HEIGHT }}>
        <div ref={plotEl} />
        {!inView && <span className="muted">…</span>}
      </div>
      {error && (
        <p role="alert" className="chart-error">
          Could not load {metric}: {error.message}
        </p>
      )}
      {chart && <Legend chart={chart} hover={hover} />}
    </figure>
  )
}

/** Every run's value at the hovered step (its nearest point where it has none there), else its last value. */
function Legend({ chart, hover }: { chart: ChartData; hover: number | null }) {
  const xs = chart.data[0]
  const idx = hover ?? xs.length - 1
  const step = xs[idx]
  return (
    <div className="chart-legend" data-step={hover === null ? undefined : step}>
      <span className="muted">{hover === null ? 'last' : `step ${step}`}</span>
      <ul>
        {chart.columns.map((c) => {
          const ys = chart.data[c.line] as Ys
          const at = idx < 0 ? undefined : nearestPoint(xs, ys, idx)
          const value = at === undefined ? undefined : ys[at]
          const raw = at === undefined || c.raw === undefined ? undefined : (chart.data[c.raw] as Ys)[at]
          return (
            <li
              key={c.run.id}
              data-run-id={c.run.id}
              data-step={at === undefined ? '' : xs[at]}
              data-value={value === undefined ? '' : String(value)}
              data-points={c.run.series.points}
            >
              <span className="swatch" style={{ background: runColor(c.run.id) }} aria-hidden="true" />
              <span className="legend-name">{c.run.name}</span>{' '}
              <span className="legend-value">{value === undefined ? '–' : formatValue(value)}</span>
              {raw !== undefined && raw !== value && <span className="muted"> (raw {formatValue(raw)})</span>}
              {at !== undefined && xs[at] !== step && <span className="muted"> @ {xs[at]}</span>}
            </li>
          )
        })}
      </ul>
    </div>
  )
}
