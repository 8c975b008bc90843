import 'uplot/dist/uPlot.min.css'
import type { RunJson } from '@tally/sdk/api'
import { useEffect, useMemo, useRef, useState } from 'react'
import uPlot from 'uplot'
import { runColor, runColorAlpha } from '../runs/run-color'
import { bucketsFor, type RunSeries } from './bucket-series'
import { ChartActions } from './chart-actions'
import { type ChartRun, chartData } from './chart-data'
import { ChartLegend } from './chart-legend'
import { type ChartView, stepRange } from './chart-view'
import { sourceId, useChartSeries } from './use-chart-series'
import { useInView, useWidth } from './use-in-view'
import { byMetric, byStep, byTime, formatSeconds, stepsWithin, type XAxis, type XSeries, xMetric } from './x-axis'

const HEIGHT = 220
/** Room a full-window chart leaves for its title, buttons and legend. */
const FULL_CHROME = 170

interface Props {
  metric: string
  /** The runs that logged this metric. */
  runs: readonly RunJson[]
  view: ChartView
  /** A drag selected this step range; undefined: back to every step (double-click). */
  onZoom: (range: { xmin: number; xmax: number } | undefined) => void
  /** Show this chart alone, filling the window, or stop. */
  onFull: (full: boolean) => void
}

const NONE: RunSeries = { x: [], line: [], lo: [], hi: [], time: [], points: 0, width: 1 }

/** When a run began, for relative time: its creation, else its first point held. */
function startOf(run: RunJson, series: RunSeries): number {
  const created = run.createdAt === null ? Number.NaN : Date.parse(run.createdAt)
  return Number.isFinite(created) ? created : (series.time[0] ?? 0)
}

/** One run's held series on the chosen x. */
function onX(run: RunJson, held: ReadonlyMap<string, RunSeries>, metric: string, x: XAxis): XSeries | undefined {
  const series = held.get(sourceId(run.id, metric))
  if (series === undefined) return undefined
  if (x === 'step') return byStep(series)
  if (x === 'wall' || x === 'relative') return byTime(series, x, startOf(run, series))
  const by = held.get(sourceId(run.id, x.metric)) ?? (x.metric === metric ? series : NONE)
  return byMetric(series, by, Math.max(series.width, by.width))
}

/**
 * One metric of several runs against the chosen x (step, wall time, relative time or another
 * metric). It fetches nothing until scrolled near; then it asks for one bucket a pixel over
 * the zoomed step range, draws each bucket's last value as the line and its min/max as a
 * faint band, and, with smoothing, the smoothed line over the raw one. Live points are
 * appended as they come (see useChartSeries).
 *
 * A drag zooms: on the step axis to the steps selected; on another axis to the steps of the
 * points selected, read again at full resolution, so the URL's range is always in steps.
 */
export function MetricChart({ metric, runs, view, onZoom, onFull }: Props) {
  const box = useRef<HTMLDivElement>(null)
  const plotEl = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)
  const full = view.full === metric
  const inView = useInView(box)
  const width = useWidth(box)
  const height = useHeight(full)
  const buckets = bucketsFor(width)
  const xKey = xMetric(view.xAxis)
  const keys = xKey !== undefined && xKey !== metric ? [metric, xKey] : [metric]
  const { held, loaded, error } = useChartSeries({ keys, runs, buckets, zoom: stepRange(view), enabled: inView && width > 0 })
  const [hover, setHover] = useState<number | null>(null)
  const onZoomRef = useRef(onZoom)
  onZoomRef.current = onZoom
  const runsRef = useRef(runs)
  runsRef.current = runs

  const { smoothing, log, xmin, xmax, xAxis } = view
  const xName = typeof xAxis === 'string' ? xAxis : xAxis.metric
  const runsShown = runs.map((r) => `${r.id}:${r.name}:${r.createdAt}`).join('\n')
  // biome-ignore lint/correctness/useExhaustiveDependencies: runsShown says when the runs (read through runsRef) change; xName when xAxis does
  const chartRuns = useMemo<ChartRun[] | undefined>(() => {
    // What was held for an earlier view is drawn until the new view's history is in.
    if (held === undefined) return undefined
    return runsRef.current.flatMap((r) => {
      const series = onX(r, held.series, metric, xAxis)
      return series === undefined ? [] : [{ id: r.id, name: r.name, series }]
    })
  }, [held, runsShown, metric, xName])
  const chart = useMemo(() => (chartRuns === undefined ? undefined : chartData(chartRuns, smoothing, log)), [chartRuns, smoothing, log])
  const chartRef = useRef(chart)
  chartRef.current = chart
  const shape = chart === undefined ? '' : chart.columns.map((c) => `${c.run.id}:${c.run.name}`).join(',')

  // The plot, made again when what it draws changes shape; new data alone goes to setData.
  // biome-ignore lint/correctness/useExhaustiveDependencies: shape and smoothing say when the chart (read through chartRef) changes shape; xName when xAxis does
  useEffect(() => {
    const el = plotEl.current
    const built = chartRef.current
    if (built === undefined || el === null || width === 0) return
    setHover(null)
    const style = getComputedStyle(el)
    const fg = style.color
    const grid = style.getPropertyValue('--line').trim() || '#e4e7ec'
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
    const series: uPlot.Series[] = [{ label: xName }]
    for (let i = 1; i < built.data.length; i++) series.push({})
    for (const c of built.columns) {
      const band = { label: `${c.run.name} band`, stroke: 'transparent', width: 0, points: { show: false } }
      series[c.hi] = band
      series[c.lo] = band
      if (c.raw !== undefined)
        series[c.raw] = { label: `${c.run.name} raw`, stroke: runColorAlpha(c.run.id, 0.3), width: 1, points: { show: false } }
      series[c.line] = { label: c.run.name, stroke: runColor(c.run.id), width: 1.5 }
    }
    // Zoomed on the step axis, the x range is the steps asked for; on another axis it is
    // wherever the points of those steps fall, which uPlot finds by itself.
    const stepZoom = xAxis === 'step' && xmin !== undefined && xmax !== undefined
    const xAxisOpts: uPlot.Axis =
      xAxis === 'relative' ? { ...axis, values: (_u: uPlot, splits: number[]) => splits.map((s) => formatSeconds(s)) } : axis
    const u = new uPlot(
      {
        width,
        height,
        legend: { show: false },
        scales: {
          x: { time: xAxis === 'wall', ...(stepZoom && { range: (): uPlot.Range.MinMax => [xmin, xmax] }) },
          y: log ? { distr: 3, log: 10 } : {},
        },
        axes: [xAxisOpts, { ...axis, size: 60 }],
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
              if (!(hi > lo)) return
              if (xAxis === 'step') onZoomRef.current({ xmin: Math.floor(lo), xmax: Math.ceil(hi) })
              else {
                const steps = stepsWithin(
                  (chartRef.current?.columns ?? []).map((c) => c.run.series),
                  lo,
                  hi,
                )
                if (steps !== undefined) onZoomRef.current(steps)
              }
            },
          ],
        },
      },
      built.data as uPlot.AlignedData,
      el,
    )
    plot.current = u
    const reset = (): void => onZoomRef.current(undefined)
    u.over.addEventListener('dblclick', reset)
    return () => {
      plot.current = undefined
      u.over.removeEventListener('dblclick', reset)
      u.destroy()
    }
  }, [shape, width, height, smoothing, log, xmin, xmax, xName])
  useEffect(() => {
    if (chart !== undefined) plot.current?.setData(chart.data as uPlot.AlignedData)
  }, [chart])

  // Escape closes the full-window chart.
  const onFullRef = useRef(onFull)
  onFullRef.current = onFull
  useEffect(() => {
    if (!full) return
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onFullRef.current(false)
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [full])

  const state = error ? 'error' : chart && loaded ? 'ready' : 'loading'
  const shown = chart === undefined ? 0 : chart.columns.reduce((n, c) => n + c.run.series.x.length, 0)
  return (
    <figure
      className={full ? 'chart chart-full' : 'chart'}
      data-metric={metric}
      data-state={state}
      data-points={chart?.points ?? 0}
      data-xs={chart?.data[0].length ?? 0}
      data-x-axis={xName}
      data-full={full ? 'true' : undefined}
      data-width={width}
    >
      <div className="chart-head">
        <figcaption>{metric}</figcaption>
        <ChartActions
          metric={metric}
          project={runs[0]?.project ?? 'tally'}
          runs={chart?.columns.map((c) => c.run) ?? []}
          view={view}
          full={full}
          plot={plot}
          onFull={onFull}
        />
      </div>
      <div ref={box} className="chart-plot" style={{ minHeight: height }}>
        <div ref={plotEl} />
        {!inView && <span className="muted">…</span>}
        {state === 'ready' && shown === 0 && xKey !== undefined && (
          <p className="muted chart-empty">
            No point of {metric} has a value of {xKey} at the same step. Pick another x axis, or log both in one call.
          </p>
        )}
      </div>
      {error && (
        <p role="alert" className="chart-error">
          Could not load {metric}: {error.message}
        </p>
      )}
      {chart && <ChartLegend chart={chart} hover={hover} xAxis={xAxis} />}
    </figure>
  )
}

/** The plot's height: fixed in the grid; the window's, less room for the rest, when full. */
function useHeight(full: boolean): number {
  const [windowHeight, setWindowHeight] = useState(() => window.innerHeight)
  useEffect(() => {
    if (!full) return
    const onResize = (): void => setWindowHeight(window.innerHeight)
    onResize()
    window.addEventListener('resize', onResize)
    return () => window.removeEventListener('resize', onResize)
  }, [full])
  return full ? Math.max(HEIGHT, windowHeight - FULL_CHROME) : HEIGHT
}
