import type { RunJson } from '@tally/sdk/api'
import { useEffect, useRef, useState } from 'react'
import { ApiError, listKeys } from '../api/client'
import { useLivePoints } from '../live/live-context'
import { ChartSections } from './chart-sections'
import type { ChartView } from './chart-view'
import { sectionsOf } from './metric-keys'
import { XAxisSelect } from './x-axis-select'

/** Charts draw at most this many runs; the table's filter picks which. */
export const MAX_CHART_RUNS = 50

interface Props {
  /** The runs the table shows, in its order. */
  runs: readonly RunJson[]
  view: ChartView
  /** `push`: a new history entry (a zoom), else the current one is replaced (typing, sliding). */
  onView: (view: ChartView, push?: boolean) => void
}

/** One chart per metric key of the shown runs, in sections by key prefix, with a metric search, x axis, smoothing and log y. */
export function ChartGrid({ runs, view, onView }: Props) {
  const charted = runs.slice(0, MAX_CHART_RUNS)
  const ids = charted.map((r) => r.id).join(',')
  const keys = useRunKeys(charted, ids)
  // Keys of the charted runs only: runs filtered out, or deleted, keep their keys for later.
  const keysOf = new Map(
    charted.flatMap((r) => {
      const k = keys.keysOf.get(r.id)
      return k ? [[r.id, k] as const] : []
    }),
  )
  const sections = sectionsOf(
    [...keysOf.values()].flatMap((s) => [...s]),
    view.metrics,
  )
  const zoomed = view.xmin !== undefined
  const allKeys = [...new Set([...keysOf.values()].flatMap((s) => [...s]))]

  return (
    <section className="charts" aria-label="Charts">
      <div className="toolbar chart-controls">
        <MetricSearch value={view.metrics} onChange={(metrics) => onView({ ...view, metrics })} />
        <XAxisSelect value={view.xAxis} keys={allKeys} onChange={(xAxis) => onView({ ...view, xAxis })} />
        <SmoothingSlider value={view.smoothing} onChange={(smoothing) => onView({ ...view, smoothing })} />
        <label className="check">
          <input type="checkbox" checked={view.log} onChange={(e) => onView({ ...view, log: e.target.checked })} /> Log y
        </label>
        {zoomed && (
          <button type="button" onClick={() => onView({ ...view, xmin: undefined, xmax: undefined }, true)}>
            Reset zoom (steps {view.xmin}–{view.xmax})
          </button>
        )}
        <span className="muted">
          {runs.length > MAX_CHART_RUNS
            ? `Charts show the first ${MAX_CHART_RUNS} of ${runs.length} runs; filter the table to chart others.`
            : 'Drag across a chart to zoom, double-click to zoom out.'}
        </span>
      </div>
      <ChartSections
        keys={keys}
        what="the metric keys"
        sections={sections}
        runsOf={(key) => charted.filter((r) => keysOf.get(r.id)?.has(key))}
        view={view}
        onView={onView}
      />
    </section>
  )
}

function MetricSearch({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const [text, setText] = useState(value)
  useEffect(() => setText(value), [value])
  return (
    <label className="filter">
      <span className="visually-hidden">Search metrics</span>
      <input
        type="search"
        placeholder="Search metrics"
        value={text}
        onChange={(e) => {
          setText(e.target.value)
          onChange(e.target.value)
        }}
      />
    </label>
  )
}

function SmoothingSlider({ value, onChange }: { value: number; onChange: (v: number) => void }) {
  return (
    <label className="smoothing">
      Smoothing{' '}
      <input
        type="range"
        min={0}
        max={0.999}
        step={0.001}
        value={value}
        aria-label="Smoothing"
        onChange={(e) => onChange(Number(e.target.value))}
      />{' '}
      <output>{value.toFixed(3)}</output>
    </label>
  )
}

type RunKeys = {
  keysOf: ReadonlyMap<string, ReadonlySet<string>>
  state: 'loading' | 'ready' | 'error'
  error?: ApiError
  retry: () => void
}

/**
 * The metric keys of each charted run, read once a run: a run that joins the chart has
 * its own keys read, and a key a live run logs for the first time (a project stream
 * `points` event) is added without a read.
 */
function useRunKeys(charted: readonly RunJson[], ids: string): RunKeys {
  const [keysOf, setKeysOf] = useState<ReadonlyMap<string, ReadonlySet<string>>>(new Map())
  const [error, setError] = useState<ApiError>()
  const [attempt, setAttempt] = useState(0)
  const chartedRef = useRef(charted)
  chartedRef.current = charted
  const asking = useRef(new Set<string>())
  const keysRef = useRef(keysOf)
  keysRef.current = keysOf
  const live = useLivePoints()

  // biome-ignore lint/correctness/useExhaustiveDependencies: ids and attempt say when to look for runs (read through chartedRef) without keys
  useEffect(() => {
    const abort = new AbortController()
    for (const run of chartedRef.current) {
      if (asking.current.has(run.id)) continue
      asking.current.add(run.id)
      listKeys(run.id, abort.signal).then(
        (list) => setKeysOf((m) => new Map(m).set(run.id, new Set(list.map((k) => k.key)))),
        (e: unknown) => {
          asking.current.delete(run.id)
          if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError('internal', String(e), 0))
        },
      )
    }
    return () => {
      // Reads still out when the page goes (or the runs change) are dropped and asked again.
      abort.abort()
      for (const id of [...asking.current]) if (!keysRef.current.has(id)) asking.current.delete(id)
    }
  }, [ids, attempt])

  useEffect(
    () =>
      live?.listen((event) => {
        if (event === 'resync') return
        const held = keysRef.current.get(event.run)
        if (held === undefined || event.keys.every((k) => held.has(k))) return
        setKeysOf((m) => new Map(m).set(event.run, new Set([...(m.get(event.run) ?? []), ...event.keys])))
      }),
    [live],
  )

  const missing = charted.some((r) => !keysOf.has(r.id))
  // The first time, charts wait for every run's keys, so each chart reads all its runs at once.
  const complete = useRef(false)
  if (!missing) complete.current = true
  const retry = (): void => {
    setError(undefined)
    setAttempt((n) => n + 1)
  }
  if (error !== undefined && missing) return { keysOf, state: 'error', error, retry }
  return { keysOf, state: missing && !complete.current ? 'loading' : 'ready', retry }
}
