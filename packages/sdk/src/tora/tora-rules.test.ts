import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ErrorCode } from '../errors.js'
import { createWorkspace, Tora } from './index.js'
import { pythonJsonLength } from './tora-rules.js'

const open: Tora[] = []
afterEach(async () => {
  for (const c of open.splice(0)) await c.shutdown()
})
const dir = (): string => mkdtempSync(join(tmpdir(), 'tally-tora-'))
const client = (): Tora => {
  const c = Tora.createExperiment('rules', { dir: dir(), quiet: true })
  open.push(c)
  return c
}
const code = (c: ErrorCode) => expect.objectContaining({ name: 'TallyError', code: c })
const create =
  (name: string, options: Parameters<typeof Tora.createExperiment>[1] = {}) =>
  () =>
    open.push(Tora.createExperiment(name, { dir: dir(), quiet: true, ...options }))

describe("Tora's rules, each with its code", () => {
  it('experiment names are 1 to 255 characters', () => {
    expect(create('')).toThrow(code('invalid_name'))
    expect(create('x'.repeat(256))).toThrow(code('invalid_name'))
    expect(create('x'.repeat(255))).not.toThrow()
  })

  it('experiment names refuse < > : " / \\ | ? * and control characters, and say what to use instead', () => {
    for (const bad of ['a/b', 'a:b', 'a<b', 'a"b', 'a\\b', 'a|b', 'a?b', 'a*b', 'a\tb']) {
      expect(create(bad)).toThrow(code('invalid_name'))
    }
    expect(create('a/b')).toThrow(/use '-' or '_' instead/)
  })

  it('hyperparams are flat: names of at most 100 characters; finite numbers, booleans or strings of at most 1000', () => {
    expect(create('h', { hyperparams: { ['k'.repeat(101)]: 1 } })).toThrow(code('invalid_config'))
    expect(create('h', { hyperparams: { lr: Number.NaN } })).toThrow(code('invalid_config'))
    expect(create('h', { hyperparams: { opt: 'x'.repeat(1001) } })).toThrow(code('invalid_config'))
    expect(create('h', { hyperparams: { nested: { a: 1 } } as never })).toThrow(code('invalid_config'))
    expect(create('h', { hyperparams: { lr: 0.1, opt: 'adam', amp: true } })).not.toThrow()
  })

  it('tags: at most 50, counted before duplicates go', () => {
    expect(create('t', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) })).toThrow(code('invalid_tags'))
    expect(create('t', { tags: Array.from({ length: 60 }, (_, i) => `t${i % 10}`) })).toThrow(code('invalid_tags'))
    expect(create('t', { tags: Array.from({ length: 50 }, (_, i) => `t${i}`) })).not.toThrow()
  })

  it('tags: each 1 to 50 characters once stripped', () => {
    expect(create('t', { tags: ['x'.repeat(51)] })).toThrow(code('invalid_tags'))
    expect(create('t', { tags: [''] })).toThrow(code('invalid_tags'))
    expect(create('t', { tags: ['   '] })).toThrow(code('invalid_tags'))
    expect(create('t', { tags: [` ${'x'.repeat(50)} `] })).not.toThrow()
  })

  it('tags: none of < > : " / \\ | ? * , ; or control characters', () => {
    for (const bad of ['a,b', 'a;b', 'a/b', 'x:y', 'q?', 'a<b', 'a>b', 'a"b', 'a\\b', 'a|b', 'a*b', 'a\u0001b']) {
      expect(create('t', { tags: [bad] })).toThrow(code('invalid_tags'))
    }
    expect(create('t', { tags: ['a,b'] })).toThrow(/split it into separate tags/)
  })

  it('metric names are 1 to 100 characters of letters, digits, _ - . /', () => {
    const c = client()
    expect(() => c.log('', 1)).toThrow(code('invalid_key'))
    expect(() => c.log('with space', 1)).toThrow(code('invalid_key'))
    expect(() => c.log('x'.repeat(101), 1)).toThrow(code('invalid_key'))
    expect(() => c.logMetrics({ 'bad name': 1 })).toThrow(code('invalid_key'))
    expect(() => c.result('bad:name', 1)).toThrow(code('invalid_key'))
    c.log('train/loss_v2.smooth-1', 1)
    expect(c.bufferSize).toBe(1)
  })

  it('values are finite numbers; NaN and ±Infinity are refused', () => {
    const c = client()
    expect(() => c.log('loss', Number.NaN)).toThrow(code('invalid_value'))
    expect(() => c.log('loss', Number.POSITIVE_INFINITY)).toThrow(code('invalid_value'))
    expect(() => c.result('acc', '0.9' as unknown as number)).toThrow(code('invalid_value'))
    expect(c.bufferSize).toBe(0)
  })

  it('steps are integers ≥ 0', () => {
    const c = client()
    expect(() => c.log('loss', 1, -1)).toThrow(code('invalid_step'))
    expect(() => c.log('loss', 1, 1.5)).toThrow(code('invalid_step'))
    expect(() => c.logMetrics({ loss: 1 }, -2)).toThrow(code('invalid_step'))
  })

  it("metadata is measured as Python's json.dumps writes it: spaces after , and :, non-ASCII as \\uXXXX", () => {
    const c = client()
    const keys = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${String(i).padStart(3, '0')}`, 1]))
    expect(pythonJsonLength(keys)).toBe(11_000)
    expect(() => c.log('loss', 1, 0, keys)).toThrow(code('invalid_metadata'))
    expect(pythonJsonLength({ n: 'é'.repeat(4000) })).toBe(24_009)
    expect(() => c.log('loss', 1, 0, { n: 'é'.repeat(4000) })).toThrow(code('invalid_metadata'))
    expect(pythonJsonLength({ a: [1, true, null, 'x\n'], b: { c: -2.5 } })).toBe('{"a": [1, true, null, "x\\n"], "b": {"c": -2.5}}'.length)
  })

  it('metadata is a JSON object of at most 10,000 characters as JSON', () => {
    const c = client()
    expect(() => c.log('loss', 1, 0, { note: 'x'.repeat(10_000) })).toThrow(code('invalid_metadata'))
    expect(() => c.log('loss', 1, 0, { f: () => 1 })).toThrow(code('invalid_metadata'))
    expect(() => c.log('loss', 1, 0, [1] as unknown as Record<string, unknown>)).toThrow(code('invalid_metadata'))
    c.log('loss', 1, 0, { note: 'x'.repeat(9_980) })
    expect(c.bufferSize).toBe(1)
  })

  it('maxBufferLen is an integer ≥ 1', () => {
    expect(create('b', { maxBufferLen: 0 })).toThrow(code('invalid_argument'))
    expect(create('b', { maxBufferLen: 2.5 })).toThrow(code('invalid_argument'))
  })

  it('workspaceId needs a server: a local experiment says to pass serverUrl', () => {
    expect(create('w', { workspaceId: 'team' })).toThrow(/pass serverUrl/)
  })

  it('a server without a key names TORA_API_KEY', () => {
    const saved = { tora: process.env.TORA_API_KEY, tally: process.env.TALLY_API_KEY }
    delete process.env.TORA_API_KEY
    delete process.env.TALLY_API_KEY
    try {
      expect(create('r', { serverUrl: 'http://127.0.0.1:9' })).toThrow(/set TORA_API_KEY/)
    } finally {
      if (saved.tora !== undefined) process.env.TORA_API_KEY = saved.tora
      if (saved.tally !== undefined) process.env.TALLY_API_KEY = saved.tally
    }
  })

  it('workspace names are at most 255 characters, descriptions at most 1000', async () => {
    const serverUrl = 'http://127.0.0.1:9'
    await expect(createWorkspace('x'.repeat(256), { serverUrl, apiKey: 'k' })).rejects.toThrow(code('invalid_name'))
    await expect(createWorkspace('team', { serverUrl, apiKey: 'k', description: 'd'.repeat(1001) })).rejects.toThrow(code('invalid_name'))
    await expect(createWorkspace('team')).rejects.toThrow(/needs a team server/)
  })
})
