/**
 * The Project page's live state: its runs as loaded, kept current by the project stream's
 * `run` events (changed rows updated, new runs added, deleted ones removed), the stream's
 * status for the indicator, and its `points` events for the charts.
 */
import type { RunJson } from '@tally/sdk/api'
import { useEffect, useRef, useState } from 'react'
import { listAllRuns } from '../api/client'
import { LivePoints } from './live-context'
import { type LiveStatus, openProjectStream, projectEventsUrl } from './project-stream'
import { applyRunEvent, type RunEvent } from './run-events'

export interface LiveProject {
  /** The loaded runs with every event since applied; undefined until `loaded` is. */
  runs: readonly RunJson[] | undefined
  status: LiveStatus
  points: LivePoints
}

/**
 * `complete`: whether `loaded` holds every page. Until it does, each new `loaded` (one more
 * page) gets every event since the first page applied again, so none is lost in between.
 */
export function useLiveProject(workspace: string, project: string, loaded: readonly RunJson[] | undefined, complete = true): LiveProject {
  const [status, setStatus] = useState<LiveStatus>('connecting')
  const [points] = useState(() => new LivePoints())
  const [state, setState] = useState<{ base: readonly RunJson[]; runs: readonly RunJson[] }>()
  // Events that came before every page of runs was loaded, applied to each page as it comes.
  const early = useRef<RunEvent[]>([])
  const loadedRef = useRef(loaded)
  loadedRef.current = loaded
  const completeRef = useRef(complete)
  completeRef.current = complete

  useEffect(() => {
    if (loaded === undefined) return
    const pending = completeRef.current ? early.current.splice(0) : [...early.current]
    setState({ base: loaded, runs: pending.reduce(applyRunEvent, loaded) })
  }, [loaded])

  useEffect(() => {
    const abort = new AbortController()
    const close = openProjectStream(projectEventsUrl(workspace, project), {
      onStatus: setStatus,
      onRun: (event) => {
        if (loadedRef.current === undefined || !completeRef.current) early.current.push(event)
        if (loadedRef.current !== undefined) setState((s) => (s === undefined ? s : { base: s.base, runs: applyRunEvent(s.runs, event) }))
      },
      onPoints: (event) => points.emit(event),
      onResync: () => {
        // Changes while disconnected were not sent: read the runs again, and let every
        // chart ask for what is new since its cursors.
        listAllRuns(workspace, project, abort.signal).then(
          (runs) => setState((s) => (s === undefined ? s : { base: s.base, runs })),
          () => undefined,
        )
        points.emit('resync')
      },
    })
    return () => {
      abort.abort()
      close()
      early.current = []
    }
  }, [workspace, project, points])

  const runs = state !== undefined && state.base === loaded ? state.runs : loaded
  return { runs, status, points }
}
