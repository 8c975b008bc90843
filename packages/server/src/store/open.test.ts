import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from './open.js'
import { PostgresStore } from './postgres/postgres-store.js'
import { SqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'
import { freshPostgresDatabase, STORE_KINDS } from './test-stores.js'

const dirs: string[] = []
const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function open(spec: string): Promise<Store> {
  const store = await openStore(spec)
  stores.push(store)
  return store
}

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tally-open-'))
  dirs.push(d)
  return d
}

describe('openStore', () => {
  it('opens SQLite from sqlite:PATH or a bare path', async () => {
    const d = dir()
    expect(await open(`sqlite:${join(d, 'a.db')}`)).toBeInstanceOf(SqliteStore)
    expect(await open(join(d, 'b.db'))).toBeInstanceOf(SqliteStore)
    expect(existsSync(join(d, 'a.db')) && existsSync(join(d, 'b.db'))).toBe(true)
  })

  it.runIf(STORE_KINDS.includes('postgres'))('opens PostgreSQL from postgres:// and postgresql:// URLs', async () => {
    const url = await freshPostgresDatabase()
    expect(await open(url)).toBeInstanceOf(PostgresStore)
    expect(await open(url.replace(/^postgres:/, 'postgresql:'))).toBeInstanceOf(PostgresStore)
  })

  it('refuses anything else with invalid_argument, showing both accepted forms', async () => {
    for (const spec of ['', 'mysql://localhost/tally', 'postgres:tally', 'sqlite:', 'http://example.com/tally.db']) {
      await expect(openStore(spec), spec).rejects.toMatchObject({
        code: 'invalid_argument',
        message: expect.stringMatching(spec === 'sqlite:' ? /sqlite:\/var/ : /sqlite:PATH.*postgres:\/\//),
      })
    }
  })
})
