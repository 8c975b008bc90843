/**
 * The page's one connection for live updates: the project's Server-Sent Events stream
 * (docs/api.md, "Events"). `run` events carry a changed run (or `{id, deleted}`), `points`
 * events name the keys of a run that got points. When the stream drops it reconnects with
 * backoff; after a reconnect `onResync` says events may have been missed.
 */
import { type RunEvent, reconnectDelay } from './run-events'

export type LiveStatus = 'connecting' | 'live' | 'reconnecting'

export interface PointsEvent {
  run: string
  keys: string[]
}

export interface StreamHandlers {
  onRun(event: RunEvent): void
  onPoints(event: PointsEvent): void
  onStatus(status: LiveStatus): void
  /** Connected again after a drop: what changed meanwhile was not sent. */
  onResync(): void
}

export function projectEventsUrl(workspace: string, project: string): string {
  return `/api/v1/workspaces/${encodeURIComponent(workspace)}/projects/${encodeURIComponent(project)}/events`
}

/** Open the stream; the function returned closes it for good. */
export function openProjectStream(url: string, handlers: StreamHandlers): () => void {
  let source: EventSource | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let attempt = 0
  let everConnected = false
  let closed = false

  const parse = (e: Event): unknown => {
    try {
      return JSON.parse((e as MessageEvent<string>).data)
    } catch {
      return undefined
    }
  }
  const drop = (): void => {
    source?.close()
    source = undefined
    if (closed || timer !== undefined) return
    handlers.onStatus('reconnecting')
    timer = setTimeout(connect, reconnectDelay(attempt++))
  }
  function connect(): void {
    timer = undefined
    if (closed) return
    const es = new EventSource(url)
    source = es
    es.addEventListener('hello', () => {
      attempt = 0
      handlers.onStatus('live')
      if (everConnected) handlers.onResync()
      everConnected = true
    })
    es.addEventListener('run', (e) => {
      const data = parse(e) as RunEvent | undefined
      if (data && typeof data.id === 'string') handlers.onRun(data)
    })
    es.addEventListener('points', (e) => {
      const data = parse(e) as PointsEvent | undefined
      if (data && typeof data.run === 'string' && Array.isArray(data.keys)) handlers.onPoints(data)
    })
    // A dropped connection, or the server's own `error` event (it then ends the stream):
    // either way, start again after a pause rather than EventSource's fixed retry.
    es.addEventListener('error', () => {
      if (source === es) drop()
    })
  }
  handlers.onStatus('connecting')
  connect()
  return () => {
    closed = true
    clearTimeout(timer)
    source?.close()
  }
}
