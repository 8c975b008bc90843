/**
 * A store from the one string users configure (`--db`, `$TALLY_DB`): `sqlite:PATH` or a
 * bare path for the embedded SQLite store, `postgres://…` or `postgresql://…` for a team
 * server's database. Anything else is refused, never guessed at.
 */
import { TallyError } from '@tally/sdk'
import { openPostgresStore } from './postgres/postgres-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'

export interface OpenStoreOptions {
  /** A writer silent for longer than this is presumed dead. Default 30 s. */
  staleAfterMs?: number
  /** The clock, for tests. Default Date.now. */
  now?: () => number
  /** This machine's name: writers on it are also checked by pid. Default os.hostname(). */
  hostname?: string
}

const FORMS = 'sqlite:PATH (or just a file path) for SQLite, or postgres://USER:PASSWORD@HOST:PORT/DATABASE for PostgreSQL'

/** A URL scheme of two letters or more: one letter is a Windows drive (`C:\…`), so a path. */
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):/

/**
 * Open the store `spec` names, creating and migrating its schema as needed.
 *
 * @example const store = await openStore('sqlite:/home/me/.tally/tally.db')
 * @example const store = await openStore('postgres://tally@db.internal:5432/tally')
 */
export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new TallyError('invalid_argument', `no database given; use ${FORMS}`)
  }
  const scheme = SCHEME.exec(spec)?.[1]?.toLowerCase()
  if (scheme === undefined) return openSqliteStore(spec, options)
  if (scheme === 'sqlite') {
    const path = spec.slice('sqlite:'.length)
    if (path === '') throw new TallyError('invalid_argument', `sqlite: needs a file path after it, as in sqlite:/var/lib/tally/tally.db`)
    return openSqliteStore(path, options)
  }
  if ((scheme === 'postgres' || scheme === 'postgresql') && spec.slice(scheme.length + 1).startsWith('//')) {
    return openPostgresStore(spec, options)
  }
  throw new TallyError('invalid_argument', `cannot open the database ${JSON.stringify(spec)}; use ${FORMS}`)
}
