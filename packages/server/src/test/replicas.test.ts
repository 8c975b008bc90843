/**
 * Two `tally serve` processes on one PostgreSQL database, as a team runs them behind a load
 * balancer: a point sent to one reaches an event-stream client of the other (LISTEN/NOTIFY).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { bearer, recordBytes, SPOOL, sse } from '../app/test-app.js'
import { seriesRecord } from '../store/test-records.js'
import { freshPostgresDatabase, STORE_KINDS } from '../store/test-stores.js'
import { type Child, CLI_DIST, freshDir, startNode } from './test-helpers.js'

const children: Child[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.proc.kill('SIGKILL')
})

function tally(args: string[]): Child {
  const c = startNode(CLI_DIST, {}, args)
  children.push(c)
  return c
}

/** A `tally serve` replica on the database, on a free port; resolves with its URL. */
async function replica(db: string): Promise<string> {
  const c = tally(['serve', '--host', '127.0.0.1', '--port', '0', '--db', db, '--data-dir', freshDir()])
  return (await c.waitFor(/listening on/)).match(/http:\/\/\S+/)?.[0] as string
}

describe.runIf(STORE_KINDS.includes('postgres'))('server replicas on one PostgreSQL', () => {
  it("delivers a point sent to one replica to the other's event stream within a second", async () => {
    const db = await freshPostgresDatabase()
    const keyProc = tally(['keys', 'create', '--workspace', 'default', '--role', 'writer', '--db', db])
    const key = (await keyProc.waitFor(/^tally_sk_/)).trim()
    const [a, b] = await Promise.all([replica(db), replica(db)])
    const json = { ...bearer(key), 'content-type': 'application/json' }

    const created = await fetch(`${a}/api/v1/workspaces/default/projects/p/runs`, { method: 'POST', headers: json, body: '{"name":"r"}' })
    expect(created.status).toBe(201)
    const { run, writerId } = (await created.json()) as { run: { id: string }; writerId: string }
    const runEvents = await sse(`${b}/api/v1/runs/${run.id}/events`, key)
    const projectEvents = await sse(`${b}/api/v1/workspaces/default/projects/p/events`, key)
    await runEvents.next('hello')
    await projectEvents.next('hello')

    const sent = await fetch(`${a}/api/v1/workspaces/default/writers/${writerId}/records`, {
      method: 'POST',
      headers: { ...bearer(key), ...SPOOL },
      body: new Uint8Array(recordBytes([seriesRecord(2, 'loss', [0, 1], [0.5, 0.25])])),
    })
    expect(await sent.json()).toMatchObject({ ackedSeq: 2, points: 2 })
    const ackedAt = Date.now()
    expect(await runEvents.next('points')).toMatchObject({ run: run.id, key: 'loss', steps: [0, 1], values: [0.5, 0.25] })
    expect(await projectEvents.next('points')).toEqual({ run: run.id, keys: ['loss'] })
    // The promise: a point stored through one replica is on the other's streams within a second.
    expect(Date.now() - ackedAt).toBeLessThan(1000)

    // Run changes travel too: a rename through B reaches a stream on A.
    const onA = await sse(`${a}/api/v1/runs/${run.id}/events`, key)
    await onA.next('hello')
    await fetch(`${b}/api/v1/runs/${run.id}`, { method: 'PATCH', headers: json, body: '{"name":"renamed"}' })
    expect(await onA.next('run')).toMatchObject({ id: run.id, name: 'renamed' })
    for (const s of [runEvents, projectEvents, onA]) s.close()
  })
})
