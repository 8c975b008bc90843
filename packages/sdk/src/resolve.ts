import { existsSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { TallyError } from './errors.js'
import type { JsonValue } from './json.js'
import { newRunId } from './names.js'
import type { InitOptions } from './run.js'
import { readRunIndex, scanRunSpool } from './spool/reader.js'
import { spoolDir } from './spool/writer.js'
import { checkConfig, checkId, checkProject, checkTags, checkText, describe } from './validate.js'

export interface ResolvedRun {
  id: string
  project: string
  /** Undefined: generate one. */
  name: string | undefined
  group: string | null
  tags: string[]
  description: string | null
  config: { [key: string]: JsonValue }
  dir: string
  resumed: boolean
  /** -1 for a new run. */
  lastStep: number
  createdAt: number
}

/** `dir` option, else `TALLY_DIR`, else `~/.tally`. */
export function tallyDir(dir?: string): string {
  return resolve(dir ?? process.env.TALLY_DIR ?? join(homedir(), '.tally'))
}

const RESUME_MODES = ['never', 'allow', 'must'] as const

/** Validate `init` options and find the run to resume, if any, from the local spool. */
export function resolveRun(options: InitOptions): ResolvedRun {
  if (options === null || typeof options !== 'object') {
    throw new TallyError('invalid_argument', `init() takes an options object, e.g. init({ project: 'mnist' }); got ${describe(options)}`)
  }
  const project = checkProject(options.project ?? process.env.TALLY_PROJECT ?? 'default')
  const resume = options.resume ?? 'never'
  if (!RESUME_MODES.includes(resume)) {
    throw new TallyError('invalid_resume', `resume must be 'never', 'allow' or 'must'; got ${describe(resume)}`)
  }
  const id = options.id === undefined ? undefined : checkId(options.id)
  const name = options.name === undefined ? undefined : checkText('name', options.name)
  const group = options.group === undefined || options.group === null ? null : checkText('group', options.group)
  const description =
    options.description === undefined || options.description === null ? null : checkText('description', options.description)
  const tags = options.tags === undefined ? [] : checkTags(options.tags)
  const config = options.config === undefined ? {} : checkConfig(options.config)
  if (options.dir !== undefined && (typeof options.dir !== 'string' || options.dir.length === 0)) {
    throw new TallyError('invalid_argument', `dir must be a directory path; got ${describe(options.dir)}`)
  }
  if (resume === 'must' && id === undefined && name === undefined) {
    throw new TallyError('invalid_resume', "resume: 'must' needs the id or the name of the run to resume")
  }
  const dir = tallyDir(options.dir)
  const base = { project, group, tags, description, config, dir }

  const existing = resume === 'never' && id === undefined ? undefined : findRun(dir, project, id, id === undefined ? name : undefined)
  if (existing) {
    // A run found by its id, with no project asked for, is resumed in its own project.
    if (id !== undefined && options.project === undefined && existing.project !== project) {
      return resolveRun({ ...options, project: existing.project })
    }
    if (existing.project !== project) {
      throw new TallyError(
        'invalid_argument',
        `run ${existing.id} belongs to project "${existing.project}", not "${project}"; pass project: "${existing.project}"`,
      )
    }
    if (resume === 'never') {
      throw new TallyError(
        'run_exists',
        `a run with id ${existing.id} already exists; pass resume: 'allow' or 'must' to continue it, or another id`,
      )
    }
    const { lastStep } = scanRunSpool(join(spoolDir(dir), existing.id))
    return { ...base, id: existing.id, name: name ?? existing.name, resumed: true, lastStep, createdAt: existing.createdAt }
  }
  if (resume === 'must') {
    const what = id !== undefined ? `id ${id}` : `name "${name}"`
    throw new TallyError(
      'run_not_found',
      `no run with ${what} in project "${project}" under ${dir}; check the ${id !== undefined ? 'id' : 'name'}, or use resume: 'allow' to create it`,
    )
  }
  return { ...base, id: id ?? newRunId(), name, resumed: false, lastStep: -1, createdAt: Date.now() }
}

interface FoundRun {
  id: string
  project: string
  name: string
  createdAt: number
}

/** By id, or else the latest run of the project with this name. */
function findRun(dir: string, project: string, id: string | undefined, name: string | undefined): FoundRun | undefined {
  const root = spoolDir(dir)
  if (id !== undefined) {
    const runDir = join(root, id)
    if (!existsSync(runDir)) return undefined
    return readRunIndex(runDir) ?? { id, project, name: id, createdAt: Date.now() }
  }
  if (name === undefined || !existsSync(root)) return undefined
  let best: FoundRun | undefined
  for (const entry of readdirSync(root)) {
    const index = readRunIndex(join(root, entry))
    if (!index || index.project !== project || index.name !== name) continue
    if (!best || index.createdAt > best.createdAt) best = index
  }
  return best
}
