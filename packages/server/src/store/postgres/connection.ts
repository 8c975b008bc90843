/**
 * The pool of connections to one PostgreSQL database, the transactions the store runs on
 * it, and the errors it turns into Tally's: connection trouble into `store_unavailable`
 * saying what to check, so a caller never has to know pg's error shapes.
 */
import { TallyError } from '@tally/sdk'
import { type ClientConfig, Pool, type PoolClient } from 'pg'
import { type Queryable, TYPE_PARSERS } from './statements.js'

/** A NUL character in text: PostgreSQL cannot store or compare it (SQLite can). */
const NUL_IN_TEXT = '22021'
/** Socket errors, and SQLSTATE codes of a lost or refused connection, a shut-down server, missing resources, a bad login or database, missing privileges. */
const CONNECTION_CODES = /^(08|57P0|53|28|3D|42501|E(CONNREFUSED|CONNRESET|HOSTUNREACH|NOTFOUND|AI_AGAIN|TIMEDOUT|PIPE)$)/

export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false
  const code = (e as { code?: unknown }).code
  if (typeof code === 'string') return CONNECTION_CODES.test(code)
  return /Connection terminated|timeout exceeded when trying to connect/i.test(e.message)
}

/**
 * Connection trouble as `store_unavailable`, saying what to check; text PostgreSQL refuses
 * as `invalid_argument`; anything else (a bug) as it is.
 */
export function storeError(e: unknown, where: string): unknown {
  if (e instanceof TallyError) return e
  if ((e as { code?: unknown }).code === NUL_IN_TEXT) {
    return new TallyError(
      'invalid_argument',
      'a name, key, tag or filter holds a NUL character (\\u0000), which PostgreSQL cannot store; remove it',
      { cause: e },
    )
  }
  if (!isConnectionError(e)) return e
  return new TallyError(
    'store_unavailable',
    `cannot use the PostgreSQL database at ${where}: ${(e as Error).message}; check that the server is running and reachable, and the URL's host, port, user, password and database name`,
    { cause: e },
  )
}

/** The URL without its password, to name the database in messages. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname || 'localhost'}:${u.port || 5432}${u.pathname}`
  } catch {
    return 'the PostgreSQL URL given'
  }
}

export class Connection {
  readonly pool: Pool
  /** The database, named for messages (no password). */
  readonly where: string
  /** For connections outside the pool (the LISTEN one). */
  readonly config: ClientConfig

  constructor(url: string, poolSize: number) {
    this.where = describeUrl(url)
    this.config = { connectionString: url, types: TYPE_PARSERS, connectionTimeoutMillis: 10_000 }
    this.pool = new Pool({ ...this.config, max: poolSize })
    // An idle connection that breaks is dropped by the pool; without a handler it would crash the process.
    this.pool.on('error', () => undefined)
  }

  /** Statements on any pooled connection, one at a time: no transaction. */
  async query<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    try {
      return await fn(this.pool)
    } catch (e) {
      throw storeError(e, this.where)
    }
  }

  /** One connection for `fn`; a broken one is discarded, not returned to the pool. */
  private async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient
    try {
      client = await this.pool.connect()
    } catch (e) {
      throw storeError(e, this.where)
    }
    let broken = false
    try {
      return await fn(client)
    } catch (e) {
      broken = isConnectionError(e)
      throw storeError(e, this.where)
    } finally {
      client.release(broken)
    }
  }

  /** `fn` in a transaction begun by `begin`: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    return this.withClient(async (client) => {
      await client.query(begin)
      try {
        const value = await fn(client)
        await client.query('COMMIT')
        return value
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw e
      }
    })
  }

  /** A read-only snapshot: reads of several statements agree even while others write. */
  read<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(fn, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  }

  end(): Promise<void> {
    return this.pool.end()
  }
}
