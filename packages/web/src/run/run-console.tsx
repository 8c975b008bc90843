import './run-console.css'
import type { ConsoleLineJson, RunStatus } from '@tally/sdk/api'
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { ApiError } from '../api/client'
import { getConsole } from '../api/runs'
import { Failure, Loading } from '../components/notice'
import { hasEarlier, lastSeq, mergeLines } from './console-view'

/** Lines loaded at first and by each "load earlier". */
const PAGE = 1000
/** How often a running run's new lines are fetched. */
const POLL_MS = 2000

type Load = { state: 'loading' } | { state: 'ready' } | { state: 'error'; error: ApiError }

const asApiError = (e: unknown): ApiError =>
  e instanceof ApiError ? e : new ApiError('internal', `Something broke in the dashboard: ${String(e)}`, 0)

/**
 * The run's console output: its last lines, stderr marked, scrolled to the end and
 * following new lines (polled `after` the last held) while the run runs.
 */
export function RunConsole({ runId, status }: { runId: string; status: RunStatus }) {
  const [lines, setLines] = useState<ConsoleLineJson[]>([])
  const [load, setLoad] = useState<Load>({ state: 'loading' })
  const [attempt, setAttempt] = useState(0)
  const [earlier, setEarlier] = useState<'idle' | 'loading'>('idle')
  const box = useRef<HTMLOListElement>(null)
  /** Whether the reader is at the end, so new lines keep it there (and do not yank it back while it reads up). */
  const atEnd = useRef(true)
  const held = useRef(lines)
  held.current = lines

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt says when Retry asks to load again
  useEffect(() => {
    const abort = new AbortController()
    setLoad({ state: 'loading' })
    setLines([])
    atEnd.current = true
    getConsole(runId, { tail: true }, PAGE, abort.signal).then(
      (page) => {
        if (abort.signal.aborted) return
        setLines(page.lines)
        setLoad({ state: 'ready' })
      },
      (e: unknown) => {
        if (!abort.signal.aborted) setLoad({ state: 'error', error: asApiError(e) })
      },
    )
    return () => abort.abort()
  }, [runId, attempt])

  const ready = load.state === 'ready'
  const running = status === 'running'
  // Followed while it ran: when it stops, its last lines (a failed run's traceback) are read once more.
  const followed = useRef(false)
  useEffect(() => {
    if (!ready) return
    const abort = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    // Every line after the last held, page after page (a chatty run prints more than a page a tick).
    const catchUp = async (): Promise<void> => {
      for (;;) {
        const page = await getConsole(runId, { after: lastSeq(held.current) }, PAGE, abort.signal)
        if (abort.signal.aborted) return
        if (page.lines.length > 0) {
          held.current = mergeLines(held.current, page.lines)
          setLines(held.current)
        }
        if (page.lines.length < PAGE) return
      }
    }
    if (!running) {
      if (followed.current) {
        followed.current = false
        catchUp().catch(() => undefined)
      }
      return () => abort.abort()
    }
    followed.current = true
    const poll = async (): Promise<void> => {
      try {
        await catchUp()
      } catch {
        // A failed poll is tried again at the next tick; the lines already shown stay.
      }
      if (!abort.signal.aborted) timer = setTimeout(poll, POLL_MS)
    }
    timer = setTimeout(poll, POLL_MS)
    return () => {
      abort.abort()
      clearTimeout(timer)
    }
  }, [runId, running, ready])

  useLayoutEffect(() => {
    const el = box.current
    if (el && atEnd.current && lines.length > 0) el.scrollTop = el.scrollHeight
  }, [lines])

  const loadEarlier = useCallback(async () => {
    const first = held.current[0]?.seq
    if (first === undefined) return
    setEarlier('loading')
    try {
      const page = await getConsole(runId, { before: first }, PAGE)
      const el = box.current
      const fromBottom = el ? el.scrollHeight - el.scrollTop : 0
      atEnd.current = false
      setLines((now) => mergeLines(now, page.lines, Number.POSITIVE_INFINITY))
      // Keep the line the reader was looking at in place once the earlier ones are above it.
      requestAnimationFrame(() => {
        if (el) el.scrollTop = el.scrollHeight - fromBottom
      })
    } catch (e) {
      setLoad({ state: 'error', error: asApiError(e) })
    } finally {
      setEarlier('idle')
    }
  }, [runId])

  return (
    <section aria-labelledby="run-console" className="run-console">
      <h2 id="run-console">Console</h2>
      {load.state === 'loading' && <Loading what="the console output" />}
      {load.state === 'error' && <Failure what="the console output" error={load.error} retry={() => setAttempt((n) => n + 1)} />}
      {load.state === 'ready' && lines.length === 0 && (
        <p className="notice empty-console">
          No console output recorded. Runs keep their stdout and stderr unless capture is off (
          <code>
            init({'{'} capture: {'{'} console: false {'}'} {'}'})
          </code>{' '}
          or <code>TALLY_CAPTURE_CONSOLE=0</code>). A run that printed nothing has nothing to show.
        </p>
      )}
      {load.state === 'ready' && lines.length > 0 && (
        <>
          {hasEarlier(lines) && (
            <button type="button" className="console-earlier" onClick={loadEarlier} disabled={earlier === 'loading'}>
              {earlier === 'loading' ? 'Loading earlier lines…' : 'Load earlier lines'}
            </button>
          )}
          <ol
            ref={box}
            className="console-lines"
            aria-label="Console output"
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must take focus for the keyboard to scroll it (WCAG 2.1.1)
            tabIndex={0}
            onScroll={(e) => {
              const el = e.currentTarget
              atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 8
            }}
          >
            {lines.map((l) => (
              <li
                key={l.seq}
                className={l.stream === 'stderr' ? 'stderr' : undefined}
                data-seq={l.seq}
                title={new Date(l.at).toLocaleString()}
              >
                {l.stream === 'stderr' && <span className="visually-hidden">stderr: </span>}
                {l.text}
                {l.truncated && <span className="console-cut"> … (line cut at 16,384 characters)</span>}
              </li>
            ))}
          </ol>
          <p className="muted console-legend">
            {status === 'running' ? 'Following new lines while the run runs. ' : ''}
            Lines from stderr are marked red.
          </p>
        </>
      )}
    </section>
  )
}
