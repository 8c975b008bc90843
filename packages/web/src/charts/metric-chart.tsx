import 'uplot/dist/uPlot.min.css'
import type { RunJson } from '@tally/sdk/api'
import { useEffect, useMemo, useRef, useState } from 'react'
import uPlot from 'uplot'
import { ApiError, readBuckets, readNewPoints } from '../api/client'
import { formatValue } from '../format'
import { Coalescer } from '../live/coalesce'
import { useLivePoints } from '../live/live-context'
import { appendPoints, needsRebucket, nextRead } from '../live/live-series'
import { runColor, runColorAlpha } from '../runs/run-color'
import { nearestPoint, type Ys } from './align'
import { bucketSeries, bucketsFor, type RunSeries } from './bucket-series'
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

/** The series a chart holds, for the view it loaded them for (`key`). */
interface Held {
  key: string
  series: ReadonlyMap<string, RunSeries>
}

/** At most one read of new points per chart this often. */
const LIVE_MS = 250

const asApiError = (e: unknown): ApiError => (e instanceof ApiError ? e : new ApiError('internal', String(e), 0))

/**
 * One metric of several runs, x = step. It fetches nothing until scrolled near; then it asks
 * for one bucket a pixel over the zoomed range, draws each bucket's last value as the line
 * and its min/max as a faint band, and, with smoothing, the smoothed line over the raw one.
 *
 * Live: history is read once; a run added later has its own history read; when the
 * project stream says a run got points of this metric, only the points after the chart's
 * cursor for that run are read (at most once every 250 ms) and appended. A zoomed chart
 * keeps its range and reads nothing new. Once a run holds over twice as many points as the
 * chart has pixels, the chart re-reads its history bucketed, once.
 */
export function MetricChart({ metric, runs, view, onZoom }: Props) {
  const box = useRef<HTMLDivElement>(null)
  const plotEl = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)
  const inView = useInView(box)
  const width = useWidth(box)
  const buckets = bucketsFor(width)
  const sized = width > 0
  const live = useLivePoints()
  // Not zoomed, every run is asked for the same range, so their buckets share boundaries
  // and their points line up on one x.
  const zoom = stepRange(view)
  const zoomed = zoom.from !== undefined
  const from = zoom.from ?? 0
  const [generation, setGeneration] = useState(0)
  const baseKey = `${metric}|${buckets}|${from}|${zoom.to ?? ''}|${generation}`
  const runKey = runs.map((r) => r.id).join(',')
  const [held, setHeld] = useState<Held>()
  const [failed, setFailed] = useState<{ key: string; error: ApiError }>()
  const [hover, setHover] = useState<number | null>(null)
  const onZoomRef = useRef(onZoom)
  onZoomRef.current = onZoom
  const runsRef = useRef(runs)
  runsRef.current = runs
  const heldRef = useRef(held)
  heldRef.current = held
  const cursors = useRef(new Map<string, string>())
  const loading = useRef(new Set<string>())
  const history = useRef(new AbortController())
  const baseTo = useRef(0)

  // The history of every run, once per view (width, zoom, re-bucketing).
  useEffect(() => {
    if (!inView || !sized) return
    const abort = new AbortController()
    history.current = abort
    const current = runsRef.current
    // Unzoomed, up to the last step any run is known to have (the runs' lastStep, or the
    // points already held when re-bucketing).
    const heldLast = [...(heldRef.current?.series.values() ?? [])].map((s) => s.x[s.x.length - 1] ?? 0)
    const to = zoom.to ?? Math.max(0, ...current.map((r) => r.lastStep ?? 0), ...heldLast)
    baseTo.current = to
    cursors.current = new Map()
    loading.current = new Set(current.map((r) => r.id))
    Promise.all(
      current.map(async (run) => [run.id, bucketSeries(await readBuckets(run.id, metric, { buckets, from, to }, abort.signal))] as const),
    ).then(
      (series) => {
        if (abort.signal.aborted) return
        loading.current = new Set()
        setHeld({ key: baseKey, series: new Map(series) })
      },
      (e: unknown) => {
        if (!abort.signal.aborted) setFailed({ key: baseKey, error: asApiError(e) })
      },
    )
    return () => abort.abort()
  }, [inView, sized, baseKey, buckets, from, zoom.to, metric])

  // A run that joined the chart since: its history alone.
  const heldIds = held?.key === baseKey ? [...held.series.keys()].join(',') : undefined
  // biome-ignore lint/correctness/useExhaustiveDependencies: runKey says when the runs (read through runsRef) change
  useEffect(() => {
    if (heldIds === undefined) return
    const have = new Set(heldIds.split(','))
    const abort = history.current
    for (const run of runsRef.current) {
      if (have.has(run.id) || loading.current.has(run.id)) continue
      loading.current.add(run.id)
      // Up to where the others were read, so its buckets line up with theirs, unless it went further.
      const to = zoom.to ?? ((run.lastStep ?? 0) <= baseTo.current ? baseTo.current : undefined)
      readBuckets(run.id, metric, { buckets, from, ...(to !== undefined && { to }) }, abort.signal).then(
        (answer) => {
          // Left in `loading` (reset with each history read), so no render before this
          // one lands can ask for it again.
          if (abort.signal.aborted) return
          const series = bucketSeries(answer)
          setHeld((h) => (h?.key === baseKey ? { key: h.key, series: new Map(h.series).set(run.id, series) } : h))
        },
        (e: unknown) => {
          loading.current.delete(run.id)
          if (!abort.signal.aborted) setFailed({ key: baseKey, error: asApiError(e) })
        },
      )
    }
  }, [heldIds, runKey, baseKey, buckets, from, zoom.to, metric])

  // New points, as the project stream announces them.
  const loaded = held?.key === baseKey
  useEffect(() => {
    if (live === undefined || !loaded || zoomed) return
    const abort = new AbortController()
    let chain = Promise.resolve()
    const readNew = async (ids: Set<string>): Promise<void> => {
      for (const id of ids) {
        const h = heldRef.current
        if (abort.signal.aborted || h?.key !== baseKey || !h.series.has(id)) continue
        const answer = await readNewPoints(id, metric, nextRead(cursors.current.get(id), h.series.get(id)), abort.signal)
        if (abort.signal.aborted) return
        cursors.current.set(id, answer.cursor)
        setHeld((prev) => {
          if (prev?.key !== baseKey) return prev
          const before = prev.series.get(id)
          const after = appendPoints(before, answer)
          return after === before ? prev : { key: prev.key, series: new Map(prev.series).set(id, after) }
        })
      }
    }
    const coalescer = new Coalescer<string>(LIVE_MS, (ids) => {
      chain = chain.then(() => readNew(ids)).catch(() => undefined)
    })
    // Points logged between the history read and now announced nothing to this chart yet:
    // read them for each running run (from the step after the last held).
    for (const run of runsRef.current) if (run.status === 'running' && heldRef.current?.series.has(run.id)) coalescer.add(run.id)
    const unlisten = live.listen((event) => {
      const held = heldRef.current?.series
      if (event === 'resync') for (const id of held?.keys() ?? []) coalescer.add(id)
      else if (event.keys.includes(metric) && held?.has(event.run)) coalescer.add(event.run)
    })
    return () => {
      unlisten()
      coalescer.dispose()
      abort.abort()
    }
  }, [live, loaded, zoomed, baseKey, metric])

  // Grown past two points a pixel: read the history bucketed again, once.
  useEffect(() => {
    if (held?.key === baseKey && !zoomed && needsRebucket(held.series.values(), buckets)) setGeneration((g) => g + 1)
  }, [held, baseKey, zoomed, buckets])

  const { smoothing, log, xmin, xmax } = view
  const runsShown = runs.map((r) => `${r.id}:${r.name}`).join('\n')
  // biome-ignore lint/correctness/useExhaustiveDependencies: runsShown says when the runs (read through runsRef) change
  const chartRuns = useMemo<ChartRun[] | undefined>(() => {
    // What was held for an earlier view is drawn until the new view's history is in.
    if (held === undefined) return undefined
    return runsRef.current.flatMap((r) => {
      const series = held.series.get(r.id)
      return series === undefined ? [] : [{ id: r.id, name: r.name, series }]
    })
  }, [held, runsShown])
  const chart = useMemo(() => (chartRuns === undefined ? undefined : chartData(chartRuns, smoothing, log)), [chartRuns, smoothing, log])
  const chartRef = useRef(chart)
  chartRef.current = chart
  const shape = chart === undefined ? '' : chart.columns.map((c) => `${c.run.id}:${c.run.name}`).join(',')

  // The plot, made again when what it draws changes shape; new data alone goes to setData.
  // biome-ignore lint/correctness/useExhaustiveDependencies: shape and smoothing say when the chart (read through chartRef) changes shape
  useEffect(() => {
    const el = plotEl.current
    const built = chartRef.current
    if (built === undefined || el === null || width === 0) return
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
    plot.current = u
    const reset = (): void => onZoomRef.current(undefined)
    u.over.addEventListener('dblclick', reset)
    return () => {
      plot.current = undefined
      u.over.removeEventListener('dblclick', reset)
      u.destroy()
    }
  }, [shape, width, smoothing, log, xmin, xmax])
  useEffect(() => {
    if (chart !== undefined) plot.current?.setData(chart.data as uPlot.AlignedData)
  }, [chart])

  const error = failed?.key === baseKey ? failed.error : undefined
  const state = error ? 'error' : chart && loaded ? 'ready' : 'loading'
  return (
    <figure className="chart" data-metric={metric} data-state={state} data-points={chart?.points ?? 0} data-xs={chart?.data[0].length ?? 0}>
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
