/** The dashboard's files: content types, caching, the SPA fallback, and nothing outside the build. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { type TestApp, testApp } from './test-app.js'

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body>tally</body></html>'
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(5000))})`

/** A built dashboard in a fresh folder, with a secret file beside it that must stay unreachable. */
function site(): string {
  const root = mkdtempSync(join(tmpdir(), 'tally-web-'))
  const web = join(root, 'web')
  mkdirSync(join(web, 'assets'), { recursive: true })
  writeFileSync(join(web, 'index.html'), INDEX)
  writeFileSync(join(web, 'assets', 'index-abc123.js'), SCRIPT)
  writeFileSync(join(web, 'assets', 'index-abc123.css'), 'body{color:red}')
  writeFileSync(join(web, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(join(root, 'secret.txt'), 'SECRET')
  return web
}

let t: TestApp | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

describe('the dashboard at /', () => {
  it('serves index.html, revalidated by ETag, with a content security policy', async () => {
    t = await testApp({ webDir: site() })
    const res = await t.app.inject({ method: 'GET', url: '/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.headers['cache-control']).toBe('no-cache')
    expect(res.headers['content-security-policy']).toContain("default-src 'self'")
    expect(res.body).toBe(INDEX)
    const again = await t.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': String(res.headers.etag) } })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe('')
  })

  it('serves hashed assets with their type, cached for a year, gzipped when asked', async () => {
    t = await testApp({ webDir: site() })
    const js = await t.app.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, br' } })
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(js.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(js.rawPayload).toString()).toBe(SCRIPT)
    const plain = await t.app.inject({ method: 'GET', url: '/assets/index-abc123.js' })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body).toBe(SCRIPT)
    const css = await t.app.inject({ method: 'GET', url: '/assets/index-abc123.css' })
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    const svg = await t.app.inject({ method: 'GET', url: '/favicon.svg' })
    expect(svg.headers['content-type']).toBe('image/svg+xml')
    expect(svg.headers['cache-control']).toBe('no-cache')
    const head = await t.app.inject({ method: 'HEAD', url: '/assets/index-abc123.css' })
    expect(head.statusCode).toBe(200)
  })

  it('answers index.html for dashboard URLs, so a reload shows the same view', async () => {
    t = await testApp({ webDir: site() })
    for (const url of ['/?project=mnist&sort=name', '/default/mnist', '/default/mnist/runs/abc?x=1']) {
      const res = await t.app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(200)
      expect(res.body, url).toBe(INDEX)
    }
  })

  it('keeps the JSON 404 for API paths and missing files', async () => {
    t = await testApp({ webDir: site() })
    for (const url of ['/api/v1/nope', '/api', '/assets/missing-123.js', '/favicon.ico']) {
      const res = await t.app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(404)
      expect(res.json().error.code, url).toBe('not_found')
    }
    const post = await t.app.inject({ method: 'POST', url: '/', payload: {} })
    expect(post.statusCode).toBe(404)
  })

  it('never serves a file outside the build, however the path is written', async () => {
    t = await testApp({ webDir: site() })
    const tries = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '//secret.txt',
      '/%00',
      '/%E0%A4%A',
    ]
    for (const url of tries) {
      const res = await t.app.inject({ method: 'GET', url })
      expect(res.body, url).not.toContain('SECRET')
      expect(res.statusCode, url).toBeLessThan(500)
    }
  })

  it('needs no API key on a team server, while the API still does', async () => {
    t = await testApp({ mode: 'team', webDir: site() })
    expect((await t.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/workspaces' })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/nope' })).statusCode).toBe(404)
  })

  it('answers only this machine on a local server', async () => {
    t = await testApp({ mode: 'local', localToken: 'x'.repeat(32), webDir: site() })
    expect((await t.app.inject({ method: 'GET', url: '/', headers: { host: '127.0.0.1:4747' } })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'GET', url: '/', headers: { host: 'attacker.example' } })).statusCode).toBe(403)
  })

  it('says how to build the dashboard when it is missing', async () => {
    t = await testApp({ webDir: join(tmpdir(), 'tally-no-such-web-dir') })
    const res = await t.app.inject({ method: 'GET', url: '/' })
    expect(res.statusCode).toBe(404)
    expect(res.json().error.message).toMatch(/npm run build/)
  })

  it("asks the browser, locally, to fetch a project page's first runs while it loads the script", async () => {
    t = await testApp({ mode: 'local', localToken: 'x'.repeat(32), webDir: site() })
    const page = (url: string) => t?.app.inject({ method: 'GET', url, headers: { host: '127.0.0.1:4747' } })
    expect((await page('/?project=my%20proj&workspace=vision'))?.headers.link).toBe(
      '</api/v1/workspaces/vision/projects/my%20proj/runs?sort=createdAt&order=desc&limit=100&offset=0>; rel=preload; as=fetch; crossorigin=anonymous',
    )
    // Not for other pages.
    for (const url of ['/', '/?project=p&run=r1', '/?project=p&compare=all']) expect((await page(url))?.headers.link).toBeUndefined()
  })
})
