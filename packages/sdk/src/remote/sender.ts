/**
 * Ships one writer's spool file to a Tally server, in order, and never loses or duplicates a
 * record (docs/wire-format.md). The spool is written first and stays the source of truth:
 * the sender only follows it, so logging never waits on the network, and whatever the
 * server has not acknowledged is still on disk for the next try, the next process or
 * `tally sync`.
 */
import { dirname } from 'node:path'
import { blobsDir } from '../artifacts/blobs.js'
import { TallyError } from '../errors.js'
import { backoffDelay } from './backoff.js'
import { artifactBlobs, uploadBlobs } from './blob-upload.js'
import { type Answer, getWriter, postRecords } from './http.js'
import { FILE_START, type FilePosition, findOffset, type RecordSlice, readSlice, seqAt } from './records.js'
import { isCount, readSidecar, sidecarHint, writeSidecar } from './sidecar.js'
import type { RemoteTarget } from './target.js'

/** Batches stay well under the server's body limit (64 MiB by default). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024
/** A request that timed out is retried with half the batch, down to this: a slow uplink still moves. */
const MIN_TIMEOUT_BATCH_BYTES = 64 * 1024
/** While `finish()` waits, a long backoff would outlast it: retry at least this often. */
const WAITING_RETRY_MS = 2_000

export interface SenderOptions {
  /** The writer's spool file, `<dir>/spool/<runId>/<writerId>.tsp`. */
  path: string
  writerId: string
  target: RemoteTarget
  /**
   * Told when the server refuses the records for good (once; the sender then stops) and when
   * it cannot be reached (once per outage; the sender keeps trying).
   */
  onError?: (error: TallyError) => void
  /** Stop after this many failed tries in a row, as `tally sync` does. Default: keep trying while the process lives. */
  maxRetries?: number
  /** Default 4 MiB; one record larger than this is sent alone. */
  maxBatchBytes?: number
  /** The blob folder artifacts' files are in. Default: `blobs` of the Tally directory holding `path`. */
  blobs?: string
}

/** What the loop does after a step; a TallyError means: try again after a backoff. */
type Next = 'again' | 'idle' | 'stopped' | TallyError

interface Waiter {
  seq: number
  settle(delivered: boolean): void
}

/**
 * Follows a spool file and POSTs the records after the server's acknowledged seq. Call
 * `wake()` when new records were committed; the sender never polls. It holds no timer that
 * keeps the process alive: only a request in flight does, for at most 30 s.
 *
 * @example
 * const sender = new Sender({ path, writerId, target, onError: console.warn })
 * writer.commit(); sender.wake()
 * await sender.delivered(writer.lastSeq, 30_000)
 * sender.stop()
 */
export class Sender {
  /** Records and points the server newly stored from this sender (replays not counted). */
  readonly sent = { records: 0, points: 0 }
  private acked = 0
  /** Undefined until the server said where this writer stands. */
  private position: FilePosition | undefined
  private batchBytes: number
  private failures = 0
  private gapsInARow = 0
  private relocated = false
  private woken = false
  private stopped = false
  private stopError: TallyError | undefined
  private wakeIdle: (() => void) | undefined
  private endSleep: (() => void) | undefined
  private readonly aborter = new AbortController()
  private readonly waiters = new Set<Waiter>()
  /** Blobs the server is known to have: checked once per sender. */
  private readonly knownBlobs = new Set<string>()
  /** Settles when the sender has stopped. */
  readonly done: Promise<void>

  constructor(private readonly options: SenderOptions) {
    this.batchBytes = options.maxBatchBytes ?? MAX_BATCH_BYTES
    // The loop catches what it can; this is only so that nothing escapes as an unhandled rejection.
    this.done = this.loop().catch(() => undefined)
  }

  /** The highest seq the server acknowledged. */
  get ackedSeq(): number {
    return this.acked
  }

  /** Why the sender stopped on its own (a refusal, or `maxRetries` used up); undefined otherwise. */
  get error(): TallyError | undefined {
    return this.stopError
  }

  /** New records are in the file: send them. Cheap; never waits. */
  wake(): void {
    this.woken = true
    this.wakeIdle?.()
  }

  /**
   * Resolves true once the server acknowledged `seq`, false when `timeoutMs` (default: no
   * limit) passed first or the sender stopped. Its timer keeps the process alive on purpose:
   * `await run.finish()` at the end of a script must not be cut short by the event loop
   * running dry while the sender waits on an unref'd backoff timer.
   */
  delivered(seq: number, timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.acked >= seq) return Promise.resolve(true)
    if (this.stopped) return Promise.resolve(false)
    return new Promise((resolve) => {
      const waiter: Waiter = {
        seq,
        settle: (ok) => {
          clearTimeout(timer)
          this.waiters.delete(waiter)
          resolve(ok)
        },
      }
      // Without a deadline, an idle interval holds the process open instead.
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => waiter.settle(false), timeoutMs) : setInterval(() => {}, 3_600_000)
      this.waiters.add(waiter)
      // Someone is waiting: try now rather than at the end of a long backoff.
      this.wake()
      this.endSleep?.()
    })
  }

  /** Stop sending; a request in flight is aborted. What is unsent stays in the spool. */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.aborter.abort()
    this.wakeIdle?.()
    this.endSleep?.()
    for (const waiter of [...this.waiters]) waiter.settle(false)
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let next: Next
      try {
        next = this.position === undefined ? await this.locate() : await this.sendNext(this.position)
      } catch (e) {
        const message = `cannot read ${this.options.path}: ${(e as Error).message}; its records wait for \`tally sync\``
        next = this.fail(new TallyError('spool_io', message, { cause: e }))
      }
      if (this.stopped) break
      if (next === 'idle') await this.idle()
      else if (next instanceof TallyError) await this.retryLater(next)
    }
  }

  /** Ask the server where this writer stands; 404 means it has nothing yet. */
  private async locate(): Promise<Next> {
    const { target, writerId } = this.options
    const answer = await getWriter(target, writerId, this.aborter.signal)
    if (answer.kind === 'retry') return answer.error
    if (answer.kind === 'refused' && answer.status !== 404) return this.fail(refusal(target, writerId, answer.error))
    const acked = answer.kind === 'ok' && isCount(answer.body.ackedSeq) ? answer.body.ackedSeq : 0
    this.position = await this.positionAfter(acked)
    this.acknowledged(acked)
    return 'again'
  }

  private async sendNext(at: FilePosition): Promise<Next> {
    this.woken = false
    const slice = await readSlice(this.options.path, at.offset, this.batchBytes)
    if (slice.count === 0) {
      if (slice.damaged) {
        const detail = `${this.options.path} is damaged after seq ${at.seq} (${slice.damaged}); the records after it cannot be sent`
        return this.fail(new TallyError('spool_format', detail))
      }
      return 'idle'
    }
    // An artifact's bytes reach the server before the manifest that names them.
    const blobs = artifactBlobs(slice.bytes)
    if (blobs.length > 0) {
      const dir = this.options.blobs ?? blobsDir(dirname(dirname(dirname(this.options.path))))
      const problem = await uploadBlobs(this.options.target, dir, blobs, this.knownBlobs, this.aborter.signal, (e) =>
        this.options.onError?.(e),
      )
      if (problem !== undefined) return problem
    }
    const answer = await postRecords(this.options.target, this.options.writerId, slice.bytes, this.aborter.signal)
    if (answer.kind === 'retry') {
      if (answer.timedOut) this.batchBytes = Math.max(MIN_TIMEOUT_BATCH_BYTES, slice.bytes.length >> 1)
      return answer.error
    }
    if (answer.kind === 'refused') return this.refused(answer, slice)
    return this.accepted(answer.body, at, slice)
  }

  private async accepted(body: Record<string, unknown>, at: FilePosition, slice: RecordSlice): Promise<Next> {
    const acked = isCount(body.ackedSeq) ? body.ackedSeq : at.seq
    if (acked <= at.seq) {
      // Resending would get the same answer forever; back off as from any failure.
      const message = `${this.options.target.serverUrl} took records after seq ${at.seq} but acknowledged only ${acked}`
      return new TallyError('server_unreachable', message)
    }
    this.sent.records += isCount(body.applied) ? body.applied : 0
    this.sent.points += isCount(body.points) ? body.points : 0
    const position = acked === slice.lastSeq ? { offset: at.offset + slice.bytes.length, seq: acked } : await this.positionAfter(acked)
    this.position = position
    // Grow back towards full batches after a 413 or a timeout made them smaller.
    this.batchBytes = Math.min(this.options.maxBatchBytes ?? MAX_BATCH_BYTES, this.batchBytes * 2)
    this.failures = 0
    this.gapsInARow = 0
    this.relocated = false
    this.saveHint(position)
    this.acknowledged(acked)
    return 'again'
  }

  /** The sidecar is only a hint: when it cannot be written, the next start walks the file instead. */
  private saveHint(position: FilePosition): void {
    const { serverUrl, workspace } = this.options.target
    try {
      writeSidecar(this.options.path, { serverUrl, workspace, ackedSeq: position.seq, offset: position.offset })
    } catch {
      // Sending goes on; only the shortcut is lost.
    }
  }

  private async refused(answer: Extract<Answer, { kind: 'refused' }>, slice: RecordSlice): Promise<Next> {
    const { error } = answer
    const ackedSeq = error.details?.ackedSeq
    if (error.code === 'seq_gap' && isCount(ackedSeq)) {
      // The server has less than we sent from (a lost write, a restored backup): resend
      // from the record after its ackedSeq. Twice in a row means something is off: back off.
      this.position = await this.positionAfter(ackedSeq)
      this.acknowledged(ackedSeq)
      return ++this.gapsInARow > 1 ? error : 'again'
    }
    if (answer.status === 413) {
      if (slice.count > 1) {
        // Halve until the batch fits; a batch always holds at least one whole record.
        this.batchBytes = slice.bytes.length >> 1
        return 'again'
      }
      // One record over the limit: giving up would strand every record after it, so keep
      // trying (with backoff) until the limit is raised, and say which limit.
      const message = `a spool record of ${slice.bytes.length} bytes is over ${this.options.target.serverUrl}'s body limit (${error.message}); raise the server's --body-limit, or its proxy's`
      return new TallyError('payload_too_large', message)
    }
    if (error.code === 'spool_format' && !this.relocated) {
      // The server may have lost this writer altogether (a new database): ask it again.
      this.relocated = true
      this.position = undefined
      return 'again'
    }
    return this.fail(refusal(this.options.target, this.options.writerId, error))
  }

  /**
   * The position just past record `seq`: from the sidecar's hint when the record there is
   * the next one (or the file ends there), else by walking the headers from the start.
   */
  private async positionAfter(seq: number): Promise<FilePosition> {
    const { path, target } = this.options
    const known = this.position !== undefined && this.position.seq <= seq ? this.position : undefined
    const hint = known ?? sidecarHint(readSidecar(path), target.serverUrl, target.workspace)
    let from = FILE_START
    if (hint !== undefined && hint.seq <= seq) {
      const next = await seqAt(path, hint.offset)
      if (next === hint.seq + 1 || next === 'end') from = hint
    }
    return findOffset(path, seq, from)
  }

  private acknowledged(seq: number): void {
    this.acked = seq
    for (const waiter of [...this.waiters]) if (waiter.seq <= seq) waiter.settle(true)
  }

  private async retryLater(problem: TallyError): Promise<void> {
    const { maxRetries } = this.options
    if (maxRetries !== undefined && this.failures >= maxRetries) {
      this.fail(problem)
      return
    }
    if (this.failures === 0) {
      this.tell(new TallyError(problem.code, `${problem.message}; logging goes on into the spool, and sending is retried by itself`))
    }
    const delay = backoffDelay(this.failures++)
    await this.sleep(this.waiters.size > 0 ? Math.min(delay, WAITING_RETRY_MS) : delay)
  }

  private fail(error: TallyError): Next {
    if (!this.stopped) {
      this.stopError = error
      this.tell(error)
      this.stop()
    }
    return 'stopped'
  }

  /** Tell the owner; a handler that throws must not break the sending loop. */
  private tell(error: TallyError): void {
    try {
      this.options.onError?.(error)
    } catch {
      // Reported or not, the records wait in the spool.
    }
  }

  /** Wait for `wake()`, unless one came since the last read began (records may have landed after it). */
  private idle(): Promise<void> {
    if (this.woken) return Promise.resolve()
    return new Promise((resolve) => {
      this.wakeIdle = () => {
        this.wakeIdle = undefined
        resolve()
      }
    })
  }

  /** An unref'd timer: a sender waiting to retry never keeps the process alive by itself. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => end(), ms)
      timer.unref()
      const end = (): void => {
        clearTimeout(timer)
        this.endSleep = undefined
        resolve()
      }
      this.endSleep = end
    })
  }
}

/** A server's refusal, saying what happens to the records and what to do. */
function refusal(target: RemoteTarget, writerId: string, error: TallyError): TallyError {
  const hint =
    error.code === 'unauthorized' || error.code === 'forbidden'
      ? 'check apiKey (TALLY_API_KEY): it must be a writer key of this workspace'
      : 'fix the cause'
  const message = `${target.serverUrl} refused the records of writer ${writerId} (${error.code}: ${error.message}); they stay in the spool: ${hint}, then run \`tally sync\``
  return new TallyError(error.code, message, { cause: error, ...(error.details && { details: { ...error.details } }) })
}
