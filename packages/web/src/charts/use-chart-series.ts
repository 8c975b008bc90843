import type { RunJson } from '@tally/sdk/api'
import { useEffect, useRef, useState } from 'react'
import { ApiError, readBuckets, readNewPoints } from '../api/client'
import { Coalescer } from '../live/coalesce'
import { useLivePoints } from '../live/live-context'
import { appendPoints, needsRebucket, nextRead } from '../live/live-series'
import { bucketSeries, type RunSeries } from './bucket-series'

/** At most one read of new points per chart this often. */
const LIVE_MS = 250

/** Where a series is held: one run's one key. */
export const sourceId = (runId: string, key: string): string => `${runId}\n${key}`

/** The series a chart holds (by `sourceId`), for the view it loaded them for (`key`). */
export interface Held {
  key: string
  series: ReadonlyMap<string, RunSeries>
}

const asApiError = (e: unknown): ApiError => (e instanceof ApiError ? e : new ApiError('internal', String(e), 0))

const EMPTY: RunSeries = { x: [], line: [], lo: [], hi: [], time: [], points: 0, width: 1 }

interface Options {
  /** The keys to read for every run: the chart's metric, then its x metric if any. */
  keys: readonly string[]
  runs: readonly RunJson[]
  buckets: number
  /** The zoomed step range, if any. */
  zoom: { from?: number; to?: number }
  /** Read nothing until the chart is near the viewport and has a width. */
  enabled: boolean
}

/**
 * The series of one chart: the history of each run's keys, bucketed to the chart's pixels
 * over the zoomed range, then the new points as the project stream announces them.
 *
 * History is read once per view; a run added later has its own history read; when the
 * stream says a run got points of a key, only the points after the chart's cursor for that
 * run and key are read (at most once every 250 ms) and appended. A zoomed chart keeps its
 * range and reads nothing new. Once a series holds over twice as many points as the chart
 * has pixels, the history is read bucketed again, once.
 *
 * The chart's own metric must exist for each run (it is charted because the run logged
 * it); an x metric a run never logged is read as empty, so that run draws nothing.
 */
export function useChartSeries({ keys, runs, buckets, zoom, enabled }: Options): {
  held: Held | undefined
  loaded: boolean
  error: ApiError | undefined
} {
  const live = useLivePoints()
  const zoomed = zoom.from !== undefined
  const from = zoom.from ?? 0
  const [generation, setGeneration] = useState(0)
  const keyList = keys.join('\n')
  const baseKey = `${keyList}|${buckets}|${from}|${zoom.to ?? ''}|${generation}`
  const runKey = runs.map((r) => r.id).join(',')
  const [held, setHeld] = useState<Held>()
  const [failed, setFailed] = useState<{ key: string; error: ApiError }>()
  const runsRef = useRef(runs)
  runsRef.current = runs
  const heldRef = useRef(held)
  heldRef.current = held
  const cursors = useRef(new Map<string, string>())
  const loading = useRef(new Set<string>())
  const history = useRef(new AbortController())
  const baseTo = useRef(0)

  // The chart's metric must be there; an x metric may be missing for a run.
  const read = async (runId: string, key: string, range: { from: number; to?: number }, signal: AbortSignal): Promise<RunSeries> => {
    try {
      return bucketSeries(await readBuckets(runId, key, { buckets, ...range }, signal))
    } catch (e) {
      // A run deleted since the keys were read (or an x metric it never logged) draws
      // nothing; the chart's other runs still draw.
      if (e instanceof ApiError && e.code === 'not_found') return EMPTY
      throw e
    }
  }
  const readRef = useRef(read)
  readRef.current = read

  // The history of every run, once per view (width, zoom, x metric, re-bucketing).
  useEffect(() => {
    if (!enabled) return
    const abort = new AbortController()
    history.current = abort
    const current = runsRef.current
    const keyNames = keyList.split('\n')
    // Unzoomed, up to the last step any run is known to have (the runs' lastStep, or the
    // points already held when re-bucketing).
    const heldLast = [...(heldRef.current?.series.values() ?? [])].map((s) => s.x[s.x.length - 1] ?? 0)
    const to = zoom.to ?? Math.max(0, ...current.map((r) => r.lastStep ?? 0), ...heldLast)
    baseTo.current = to
    cursors.current = new Map()
    loading.current = new Set(current.map((r) => r.id))
    Promise.all(
      current.flatMap((run) =>
        keyNames.map(async (key) => [sourceId(run.id, key), await readRef.current(run.id, key, { from, to }, abort.signal)] as const),
      ),
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
  }, [enabled, baseKey, from, zoom.to, keyList])

  // A run that joined the chart since: its history alone.
  const heldRuns = held?.key === baseKey ? [...new Set([...held.series.keys()].map((id) => id.split('\n')[0]))].join(',') : undefined
  // biome-ignore lint/correctness/useExhaustiveDependencies: runKey says when the runs (read through runsRef) change
  useEffect(() => {
    if (heldRuns === undefined) return
    const have = new Set(heldRuns.split(','))
    const abort = history.current
    for (const run of runsRef.current) {
      if (have.has(run.id) || loading.current.has(run.id)) continue
      loading.current.add(run.id)
      // Up to where the others were read, so its buckets line up with theirs, unless it went further.
      const to = zoom.to ?? ((run.lastStep ?? 0) <= baseTo.current ? baseTo.current : undefined)
      Promise.all(
        keyList
          .split('\n')
          .map(
            async (key) =>
              [sourceId(run.id, key), await readRef.current(run.id, key, { from, ...(to !== undefined && { to }) }, abort.signal)] as const,
          ),
      ).then(
        (series) => {
          // Left in `loading` (reset with each history read), so no render before this
          // one lands can ask for it again.
          if (abort.signal.aborted) return
          setHeld((h) => (h?.key === baseKey ? { key: h.key, series: new Map([...h.series, ...series]) } : h))
        },
        (e: unknown) => {
          loading.current.delete(run.id)
          if (!abort.signal.aborted) setFailed({ key: baseKey, error: asApiError(e) })
        },
      )
    }
  }, [heldRuns, runKey, baseKey, from, zoom.to, keyList])

  // New points, as the project stream announces them.
  const loaded = held?.key === baseKey
  useEffect(() => {
    if (live === undefined || !loaded || zoomed) return
    const abort = new AbortController()
    const keyNames = keyList.split('\n')
    let chain = Promise.resolve()
    const readNew = async (ids: Set<string>): Promise<void> => {
      for (const id of ids) {
        const h = heldRef.current
        if (abort.signal.aborted || h?.key !== baseKey || !h.series.has(id)) continue
        const [runId, key] = id.split('\n') as [string, string]
        let answer: Awaited<ReturnType<typeof readNewPoints>>
        try {
          answer = await readNewPoints(runId, key, nextRead(cursors.current.get(id), h.series.get(id)), abort.signal)
        } catch (e) {
          // More new points than one answer holds (the page slept through a fast run's
          // logging): read the history bucketed again instead of asking for them raw forever.
          if (e instanceof ApiError && e.code === 'payload_too_large') {
            setGeneration((g) => g + 1)
            return
          }
          // One source failing (an x metric this run has not logged yet) does not stop the others.
          continue
        }
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
    for (const run of runsRef.current) {
      if (run.status !== 'running') continue
      for (const key of keyNames) if (heldRef.current?.series.has(sourceId(run.id, key))) coalescer.add(sourceId(run.id, key))
    }
    const unlisten = live.listen((event) => {
      const held = heldRef.current?.series
      if (event === 'resync') for (const id of held?.keys() ?? []) coalescer.add(id)
      else
        for (const key of keyNames) {
          const id = sourceId(event.run, key)
          if (event.keys.includes(key) && held?.has(id)) coalescer.add(id)
        }
    })
    return () => {
      unlisten()
      coalescer.dispose()
      abort.abort()
    }
  }, [live, loaded, zoomed, baseKey, keyList])

  // Grown past two points a pixel: read the history bucketed again, once.
  useEffect(() => {
    if (held?.key === baseKey && !zoomed && needsRebucket(held.series.values(), buckets)) setGeneration((g) => g + 1)
  }, [held, baseKey, zoomed, buckets])

  return { held, loaded, error: failed?.key === baseKey ? failed.error : undefined }
}
