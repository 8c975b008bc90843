/**
 * Fresh, real stores for tests, one per call, by kind (`STORES=sqlite,postgres`, the
 * default). PostgreSQL stores live on the one server the test run starts (see
 * `test/test-postgres-setup.ts`), each in a new, empty database of its own.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TallyError } from '@tally/sdk'
import { Client } from 'pg'
import { afterEach, inject } from 'vitest'
import { openPostgresStore } from './postgres/postgres-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'

/** Backends the contract suite runs against. */
export const STORE_KINDS = (process.env.STORES ?? 'sqlite,postgres').split(',')

export interface TestStoreOptions {
  now?: () => number
  staleAfterMs?: number
  hostname?: string
}

/** The URL of a new, empty database on the test run's PostgreSQL server. */
export async function freshPostgresDatabase(): Promise<string> {
  const url = inject('postgresUrl')
  if (url === undefined) {
    throw new Error(
      'no PostgreSQL server for this test run: run the tests through vitest.config.ts, whose globalSetup starts one when STORES names postgres',
    )
  }
  const name = `tally_t_${randomBytes(8).toString('hex')}`
  const admin = new Client({ connectionString: url })
  await admin.connect()
  try {
    // FILE_COPY: for a small template, copying its files beats logging every page.
    await admin.query(`CREATE DATABASE ${name} STRATEGY = FILE_COPY`)
  } finally {
    await admin.end()
  }
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** A fresh, empty store of one kind; `dir` is a temporary directory the caller removes. */
export async function openTestStore(kind: string, dir: string, options: TestStoreOptions = {}): Promise<Store> {
  switch (kind) {
    case 'sqlite':
      return openSqliteStore(join(dir, 'tally.db'), options)
    case 'postgres':
      // The databases are left to the throwaway server, which is deleted with them.
      return openPostgresStore(await freshPostgresDatabase(), options)
    default:
      throw new Error(`unknown store kind ${JSON.stringify(kind)} in STORES; known: sqlite, postgres`)
  }
}

/** The code of the TallyError `p` rejects with (fails when it resolves or throws something else). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    if (e instanceof TallyError) return e.code
    throw e
  }
  throw new Error('expected a TallyError')
}

/**
 * Inside a `describe`: a function that opens a fresh store of `kind` in a new folder (with
 * `options`), each closed and removed after its test.
 */
export function freshStores(kind: string, name: string, options: TestStoreOptions = {}): () => Promise<Store> {
  const open: { store: Store; dir: string }[] = []
  afterEach(async () => {
    for (const { store, dir } of open.splice(0)) {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), `tally-${name}-${kind}-`))
    const store = await openTestStore(kind, dir, options)
    open.push({ store, dir })
    return store
  }
}
