/** The dashboard's sign-in: the session cookie, its CSRF rule, revocation, and local mode. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runRecord } from '../store/test-records.js'
import { bearer, keysFor, sse, type TestApp, testApp } from './test-app.js'

const open: TestApp[] = []
afterEach(async () => {
  for (const t of open.splice(0)) await t.close()
})

const HOST = 'tally.example.com'
const SAME = { host: HOST, origin: `https://${HOST}` }

async function team() {
  const t = await testApp()
  open.push(t)
  const keys = await keysFor(t.store, 'A')
  await t.store.ingest('w1', [runRecord(1, { id: 'r1' }, { id: 'w1' })], { workspace: 'A' })
  return { t, keys }
}

/** Sign in with `key` and return the cookie a browser would send back. */
async function signIn(t: TestApp, key: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/session', headers: SAME, payload: { key } })
  expect(res.statusCode).toBe(200)
  return String(res.headers['set-cookie']).split(';')[0] as string
}

describe('POST /api/v1/session', () => {
  it('answers the key’s workspace and role and sets an HttpOnly, SameSite=Strict cookie that reads the API', async () => {
    const { t, keys } = await team()
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/session', headers: { host: HOST }, payload: { key: keys.viewer } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ mode: 'team', workspace: 'A', role: 'viewer', name: null })
    const setCookie = String(res.headers['set-cookie'])
    expect(setCookie).toMatch(/^tally_key=tally_sk_[^;]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/)
    const cookie = setCookie.split(';')[0] as string
    expect((await t.app.inject({ url: '/api/v1/runs/r1', headers: { cookie } })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/api/v1/session', headers: { cookie } })).json()).toMatchObject({ workspace: 'A', role: 'viewer' })
  })

  it('is Secure when the page is https, not when only an untrusted proxy header claims it', async () => {
    const { t, keys } = await team()
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { host: HOST, 'x-forwarded-proto': 'https' },
      payload: { key: keys.viewer },
    })
    expect(String(res.headers['set-cookie'])).not.toContain('Secure')
    // A page served over https (a TLS proxy in front): the browser's Origin says so, and the key's cookie is Secure.
    const behindTls = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { host: HOST, origin: `https://${HOST}` },
      payload: { key: keys.viewer },
    })
    expect(behindTls.statusCode).toBe(200)
    expect(String(behindTls.headers['set-cookie'])).toMatch(/; Secure/)
  })

  it('refuses a wrong, revoked or malformed key with 401 unauthorized saying where keys come from', async () => {
    const { t } = await team()
    const post = (payload: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/api/v1/session', headers: { host: HOST }, payload })
    const wrong = await post({ key: 'tally_sk_nope' })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().error.code).toBe('unauthorized')
    expect(wrong.json().error.message).toContain('tally keys create')
    expect(wrong.headers['set-cookie']).toBeUndefined()
    expect((await post({ key: 'hunter2' })).json().error.message).toContain('not a Tally API key')
    const { issueKey } = await import('./auth.js')
    const { key, info } = await issueKey(t.store, 'A', 'writer')
    await t.store.revokeKey(info.id)
    expect((await post({ key })).statusCode).toBe(401)
    expect((await post({})).json().error.code).toBe('invalid_request')
    expect((await post({ key: 'x'.repeat(301) })).statusCode).toBe(400)
  })

  it('refuses a sign-in posted from another site’s page', async () => {
    const { t, keys } = await team()
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { host: HOST, origin: 'https://evil.example.com' },
      payload: { key: keys.viewer },
    })
    expect(res.statusCode).toBe(403)
    expect(res.json().error.code).toBe('cross_origin')
    expect(res.headers['set-cookie']).toBeUndefined()
  })
})

describe('GET and DELETE /api/v1/session', () => {
  it('says 401 with no cookie, and signing out clears the cookie', async () => {
    const { t, keys } = await team()
    const none = await t.app.inject({ url: '/api/v1/session' })
    expect(none.statusCode).toBe(401)
    expect(none.json().error.code).toBe('unauthorized')
    expect((await t.app.inject({ url: '/api/v1/session', headers: bearer(keys.owner) })).json()).toMatchObject({ role: 'owner' })
    const out = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { host: HOST } })
    expect(out.statusCode).toBe(204)
    expect(String(out.headers['set-cookie'])).toMatch(/^tally_key=; .*Max-Age=0/)
  })

  it('ends the cookie’s session as soon as its key is revoked', async () => {
    const { t } = await team()
    const { issueKey } = await import('./auth.js')
    const { key, info } = await issueKey(t.store, 'A', 'viewer')
    const cookie = await signIn(t, key)
    expect((await t.app.inject({ url: '/api/v1/runs/r1', headers: { cookie } })).statusCode).toBe(200)
    await t.store.revokeKey(info.id)
    const after = await t.app.inject({ url: '/api/v1/runs/r1', headers: { cookie } })
    expect(after.statusCode).toBe(401)
    expect(after.json().error.code).toBe('unauthorized')
    expect((await t.app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(401)
  })
})

describe('event streams carried by the session cookie', () => {
  it('open with the cookie alone, and end when its key is revoked', async () => {
    const t = await testApp({ keepAliveMs: 50 })
    open.push(t)
    await keysFor(t.store, 'A')
    await t.store.ingest('w1', [runRecord(1, { id: 'r1' }, { id: 'w1' })], { workspace: 'A' })
    const { issueKey } = await import('./auth.js')
    const { key, info } = await issueKey(t.store, 'A', 'viewer')
    const cookie = await signIn(t, key)
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    const events = await sse(`http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/api/v1/runs/r1/events`, undefined, {
      cookie,
    })
    expect(await events.next('hello')).toMatchObject({ run: 'r1' })
    await t.store.revokeKey(info.id)
    expect(await events.next('error')).toMatchObject({ code: 'unauthorized' })
    events.close()
  })
})

describe('writes carried by the session cookie', () => {
  it('need a same-origin Origin or Sec-Fetch-Site, else 403 cross_origin', async () => {
    const { t, keys } = await team()
    const cookie = await signIn(t, keys.writer)
    const patch = (headers: Record<string, string>) =>
      t.app.inject({ method: 'PATCH', url: '/api/v1/runs/r1', headers: { host: HOST, cookie, ...headers }, payload: { name: 'renamed' } })
    const bare = await patch({})
    expect(bare.statusCode).toBe(403)
    expect(bare.json().error.code).toBe('cross_origin')
    expect((await patch({ origin: 'https://evil.example.com' })).json().error.code).toBe('cross_origin')
    expect((await patch({ 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403)
    expect((await patch({ origin: `https://${HOST}` })).statusCode).toBe(200)
    expect((await patch({ 'sec-fetch-site': 'same-origin' })).json()).toMatchObject({ name: 'renamed' })
    expect((await t.store.getRun('r1'))?.name).toBe('renamed')
  })

  it('keep the role of the cookie’s key, and a bearer header wins over the cookie', async () => {
    const { t, keys } = await team()
    const viewer = await signIn(t, keys.viewer)
    const patch = (headers: Record<string, string>) =>
      t.app.inject({ method: 'PATCH', url: '/api/v1/runs/r1', headers: { ...SAME, ...headers }, payload: { description: 'd' } })
    const refused = await patch({ cookie: viewer })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error.code).toBe('forbidden')
    expect((await patch({ cookie: viewer, ...bearer(keys.writer) })).statusCode).toBe(200)
    expect((await patch({ cookie: await signIn(t, keys.writer), ...bearer('tally_sk_wrong') })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/runs/r1', headers: { ...SAME, cookie: viewer } })).statusCode).toBe(403)
  })
})

describe('local mode (tally ui)', () => {
  const TOKEN = 'secret-token-0123456789abcdef0123'
  const LOCAL = '127.0.0.1:4747'

  async function local() {
    const web = join(mkdtempSync(join(tmpdir(), 'tally-web-')), 'web')
    mkdirSync(web)
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>')
    const t = await testApp({ mode: 'local', localToken: TOKEN, webDir: web })
    open.push(t)
    await t.store.ingest('w1', [runRecord(1, { id: 'r1' }, { id: 'w1' })])
    return t
  }

  it('hands the dashboard page an HttpOnly cookie that writes from that page only', async () => {
    const t = await local()
    const page = await t.app.inject({ url: '/?project=p', headers: { host: LOCAL } })
    const setCookie = String(page.headers['set-cookie'])
    expect(setCookie).toBe(`tally_local=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`)
    const cookie = setCookie.split(';')[0] as string
    const session = (headers: Record<string, string>) => t.app.inject({ url: '/api/v1/session', headers: { host: LOCAL, ...headers } })
    expect((await session({})).json()).toEqual({ mode: 'local', workspace: null, role: 'viewer', name: null })
    expect((await session({ cookie })).json()).toMatchObject({ mode: 'local', role: 'owner' })
    expect((await session({ cookie: 'tally_local=stale' })).json()).toMatchObject({ role: 'viewer' })
    const patch = (headers: Record<string, string>) =>
      t.app.inject({ method: 'PATCH', url: '/api/v1/runs/r1', headers: { host: LOCAL, cookie, ...headers }, payload: { name: 'n' } })
    expect((await patch({ origin: `http://${LOCAL}` })).statusCode).toBe(200)
    const csrf = await patch({ origin: 'http://evil.example.com' })
    expect(csrf.statusCode).toBe(403)
    expect(csrf.json().error.code).toBe('cross_origin')
    expect((await patch({})).statusCode).toBe(403)
    const signIn = await t.app.inject({ method: 'POST', url: '/api/v1/session', headers: { host: LOCAL }, payload: { key: 'x' } })
    expect(signIn.statusCode).toBe(400)
    expect(signIn.json().error.message).toContain('needs no sign-in')
  })

  it('publishes signing in and out as needing no key, and the cookie as a way to send one', async () => {
    const { t } = await team()
    const doc = (await t.app.inject({ url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, Record<string, { security?: unknown[] }>>
      components: { securitySchemes: Record<string, { in?: string }> }
    }
    expect(doc.paths['/api/v1/session']?.post?.security).toEqual([])
    expect(doc.paths['/api/v1/session']?.delete?.security).toEqual([])
    expect(doc.paths['/api/v1/session']?.get?.security).toBeUndefined()
    expect(doc.components.securitySchemes.cookie?.in).toBe('cookie')
  })
})
