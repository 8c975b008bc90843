/** A run for unit tests, every field filled with something plausible. */
import type { RunJson } from '@tally/sdk/api'

export function testRun(id: string, fields: Partial<RunJson> = {}): RunJson {
  const at = '2025-11-25T10:00:00.000Z'
  return {
    id,
    name: id,
    project: 'p',
    workspace: 'default',
    status: 'finished',
    group: null,
    tags: [],
    config: {},
    summary: {},
    createdAt: at,
    description: null,
    results: {},
    updatedAt: at,
    finishedAt: at,
    heartbeatAt: at,
    lastStep: null,
    error: null,
    system: {},
    ...fields,
  }
}
