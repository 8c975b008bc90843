/**
 * Changes between server processes on one database, by LISTEN/NOTIFY. Each change a store
 * commits is also published with `pg_notify('tally_changes', …)` inside its transaction, so
 * it reaches the other processes exactly when it commits, and never when it rolls back.
 *
 * Payload: `{"o": origin, "c": change}`, where origin is a per-store-object id: a store has
 * already told its own listeners, so it skips notifications it sent itself. PostgreSQL
 * refuses payloads of 8000 bytes or more, so a points change whose key list would not fit
 * is split into several notifications of the same run, each naming some of the keys; a
 * single key always fits (keys are at most 255 characters).
 */
import { Client, type ClientConfig, type Notification } from 'pg'
import type { StoreChange } from '../store.js'

export const CHANNEL = 'tally_changes'
/** Below PostgreSQL's 8000-byte limit on a payload, with room to spare. */
export const MAX_PAYLOAD_BYTES = 7900

const RETRY_MIN_MS = 100
const RETRY_MAX_MS = 5000

function payload(origin: string, change: StoreChange): string {
  return JSON.stringify({ o: origin, c: change })
}

/** The notifications announcing these changes, each within MAX_PAYLOAD_BYTES. */
export function notifyPayloads(origin: string, changes: readonly StoreChange[]): string[] {
  const out: string[] = []
  for (const change of changes) {
    const whole = payload(origin, change)
    if (change.type !== 'points' || Buffer.byteLength(whole) <= MAX_PAYLOAD_BYTES) {
      out.push(whole)
      continue
    }
    const room = MAX_PAYLOAD_BYTES - Buffer.byteLength(payload(origin, { ...change, keys: [] }))
    let keys: string[] = []
    let used = 0
    for (const key of change.keys) {
      // The key as JSON and a comma (one byte too many for the first key: on the safe side).
      const size = Buffer.byteLength(JSON.stringify(key)) + 1
      if (keys.length > 0 && used + size > room) {
        out.push(payload(origin, { ...change, keys }))
        keys = []
        used = 0
      }
      used += size
      keys.push(key)
    }
    if (keys.length > 0) out.push(payload(origin, { ...change, keys }))
  }
  return out
}

function isChange(v: unknown): v is StoreChange {
  if (v === null || typeof v !== 'object') return false
  const c = v as Record<string, unknown>
  const base = typeof c.workspace === 'string' && typeof c.project === 'string' && typeof c.runId === 'string'
  if (c.type === 'run' || c.type === 'console') return base
  return base && c.type === 'points' && Array.isArray(c.keys) && c.keys.every((k) => typeof k === 'string')
}

/** The change a notification carries, unless it came from `origin` or is not Tally's. */
export function parsePayload(text: string | undefined, origin: string): StoreChange | undefined {
  try {
    const msg = JSON.parse(text ?? '') as { o?: unknown; c?: unknown }
    return msg.o !== origin && isChange(msg.c) ? msg.c : undefined
  } catch {
    return undefined
  }
}

/**
 * A dedicated connection that LISTENs for other processes' changes, reconnecting (with a
 * growing pause, up to 5 s) whenever it drops. Changes committed while it is reconnecting
 * are not reported: a reader that must not miss any polls with its cursors as well.
 */
export class ChangeListener {
  private client: Client | undefined
  private closed = false
  private connecting: Promise<void>

  constructor(
    private readonly config: ClientConfig,
    private readonly origin: string,
    private readonly onChange: (change: StoreChange) => void,
  ) {
    this.connecting = this.connect()
  }

  /** Resolves once LISTEN is in effect (again, after a reconnect). */
  ready(): Promise<void> {
    return this.connecting
  }

  private async connect(): Promise<void> {
    let pause = RETRY_MIN_MS
    while (!this.closed) {
      const client = new Client(this.config)
      client.on('notification', (n: Notification) => this.receive(n))
      client.on('error', () => this.lost(client))
      client.on('end', () => this.lost(client))
      try {
        await client.connect()
        await client.query(`LISTEN ${CHANNEL}`)
        this.client = client
        if (this.closed) await this.endClient()
        return
      } catch {
        await client.end().catch(() => undefined)
        await new Promise((resolve) => setTimeout(resolve, pause))
        pause = Math.min(pause * 2, RETRY_MAX_MS)
      }
    }
  }

  private receive(n: Notification): void {
    if (n.channel !== CHANNEL) return
    const change = parsePayload(n.payload, this.origin)
    if (change !== undefined) this.onChange(change)
  }

  private lost(client: Client): void {
    if (client !== this.client || this.closed) return
    this.client = undefined
    client.end().catch(() => undefined)
    this.connecting = this.connect()
  }

  private async endClient(): Promise<void> {
    const client = this.client
    this.client = undefined
    await client?.end().catch(() => undefined)
  }

  async close(): Promise<void> {
    this.closed = true
    await this.connecting
    await this.endClient()
  }
}
