import { describe, expect, it } from 'vitest'
import { isSameOrigin, parseCookie, sessionCookie } from './session-cookie.js'

describe('parseCookie', () => {
  it('finds a cookie among others, by exact name', () => {
    expect(parseCookie('a=1; tally_key=tally_sk_x; b=2', 'tally_key')).toBe('tally_sk_x')
    expect(parseCookie('xtally_key=1; tally_key=2', 'tally_key')).toBe('2')
    expect(parseCookie('tally_key=', 'tally_key')).toBeUndefined()
    expect(parseCookie('other=1', 'tally_key')).toBeUndefined()
    expect(parseCookie(undefined, 'tally_key')).toBeUndefined()
  })
})

describe('sessionCookie', () => {
  it('is HttpOnly, SameSite=Strict and for the whole site; Secure only when asked', () => {
    expect(sessionCookie('k', 'v', { secure: false, maxAge: 60 })).toBe('k=v; HttpOnly; SameSite=Strict; Path=/; Max-Age=60')
    expect(sessionCookie('k', '', { secure: true, maxAge: 0 })).toBe('k=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure')
    expect(sessionCookie('k', 'v', { secure: false })).not.toContain('Max-Age')
  })
})

describe('isSameOrigin', () => {
  it("takes Sec-Fetch-Site: same-origin, or an Origin naming the Host header's host and port", () => {
    expect(isSameOrigin({ host: '127.0.0.1:4747', 'sec-fetch-site': 'same-origin' })).toBe(true)
    expect(isSameOrigin({ host: '127.0.0.1:4747', origin: 'http://127.0.0.1:4747' })).toBe(true)
    expect(isSameOrigin({ host: 'Tally.example.com', origin: 'https://tally.example.com' })).toBe(true)
    expect(isSameOrigin({ host: '127.0.0.1:4747', origin: 'http://127.0.0.1:4748' })).toBe(false)
    expect(isSameOrigin({ host: 'tally.example.com', origin: 'https://evil.example.com' })).toBe(false)
    expect(isSameOrigin({ host: 'tally.example.com', origin: 'null' })).toBe(false)
    expect(isSameOrigin({ host: 'tally.example.com', origin: 'not a url' })).toBe(false)
    expect(isSameOrigin({ host: 'tally.example.com', 'sec-fetch-site': 'same-site' })).toBe(false)
    expect(isSameOrigin({ host: 'tally.example.com' })).toBe(false)
  })
})
