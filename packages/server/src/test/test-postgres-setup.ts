/**
 * vitest globalSetup: one throwaway PostgreSQL server for the whole test run, started only
 * when `STORES` names postgres, its URL handed to every test worker as `postgresUrl`
 * (`inject('postgresUrl')`). Each test then makes its own database on it.
 */
import type { TestProject } from 'vitest/node'
import { STORE_KINDS } from '../store/test-stores.js'
import { startPostgres } from './postgres-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test run's PostgreSQL server (superuser, trust auth), when STORES names postgres. */
    postgresUrl: string | undefined
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!STORE_KINDS.includes('postgres')) {
    project.provide('postgresUrl', undefined)
    return undefined
  }
  const server = await startPostgres()
  project.provide('postgresUrl', server.url)
  return () => server.stop()
}
