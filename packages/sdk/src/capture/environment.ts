/**
 * The environment a run ran in, read once at `init`: runtime, OS, hardware, the versions of
 * the nearest package.json's packages, and the environment variables, with the value of
 * any variable whose name looks secret replaced, so a token never reaches the spool, the
 * store or the API. Bounded, so a huge environment cannot bloat every run.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus, hostname, release, totalmem, type } from 'node:os'
import { dirname, join } from 'node:path'
import type { JsonValue } from '../json.js'
import { stripCredentials } from './git.js'

export const REDACTED = '[redacted]'
/** Names holding any of these (case-insensitive) keep their value out of everything stored. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS$|_PASS_|CREDENTIAL|AUTH|PRIVATE|COOKIE|DSN|_PWD$/i
export const MAX_VARIABLES = 500
export const MAX_VALUE_CHARS = 1000
/** Names and values together: the run's first record stays well under any server's body limit. */
export const MAX_ENVIRON_CHARS = 64 * 1024
const MAX_PACKAGES = 500

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name)
}

/**
 * Environment variables, sorted by name, secret-looking values replaced by `[redacted]`,
 * `user:password@` taken out of URL values, each value cut at 1,000 characters, and at most
 * 500 variables or 64 Ki characters kept (the first by name).
 */
export function redactedEnviron(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {}
  const names = Object.keys(env)
    .filter((n) => env[n] !== undefined && !n.includes('\u0000'))
    .sort()
  let chars = 0
  for (const name of names.slice(0, MAX_VARIABLES)) {
    const value = looksSecret(name) ? REDACTED : clip(stripUrlCredentials((env[name] as string).replaceAll('\u0000', '')))
    chars += name.length + value.length
    if (chars > MAX_ENVIRON_CHARS) break
    out[name] = value
  }
  return out
}

/** `postgres://user:pw@host/db` anywhere in a value, without `user:pw@`. */
export function stripUrlCredentials(value: string): string {
  return value.includes('@') ? value.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s/@]*@/gi, (m) => stripCredentials(m)) : value
}

function clip(value: string): string {
  return value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value
}

export interface EnvironmentInfo {
  runtime: string
  runtimeVersion: string
  os: string
  osRelease: string
  hostname: string
  cpuModel: string | null
  cpuCount: number
  memoryTotalGb: number
  gpus: string[]
  /** From the nearest package.json: name → version installed in node_modules, else the range asked for. */
  packages: Record<string, string>
}

const cache = new Map<string, EnvironmentInfo>()

/**
 * Runtime, OS, hardware and packages of this process, for `system.env`. Read once per
 * working directory: a process that starts many runs (a sweep) runs `nvidia-smi` once.
 */
export function environmentInfo(cwd: string = process.cwd()): EnvironmentInfo {
  let info = cache.get(cwd)
  if (info === undefined) {
    info = readEnvironment(cwd)
    cache.set(cwd, info)
  }
  return { ...info, gpus: [...info.gpus], packages: { ...info.packages } }
}

function readEnvironment(cwd: string): EnvironmentInfo {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } }
  const [runtime, runtimeVersion] = g.Bun
    ? ['bun', g.Bun.version]
    : g.Deno
      ? ['deno', g.Deno.version.deno]
      : ['node', process.versions.node]
  const cores = cpus()
  return {
    runtime,
    runtimeVersion,
    os: type(),
    osRelease: release(),
    hostname: hostname(),
    cpuModel: cores[0]?.model.trim() || null,
    cpuCount: cores.length,
    memoryTotalGb: Math.round(totalmem() / 1e7) / 100,
    gpus: gpuNames(),
    packages: packageVersions(cwd),
  }
}

/** GPU names from `nvidia-smi`; none when it is absent (fast: the exec fails at once) or slow. */
function gpuNames(): string[] {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      timeout: 3000,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    })
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
  } catch {
    return []
  }
}

/** The nearest package.json at or above `cwd`: its dependencies, as installed where they resolve. */
export function packageVersions(cwd: string): Record<string, string> {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const path = join(dir, 'package.json')
    if (existsSync(path)) return versionsOf(dir, path)
    if (dirname(dir) === dir) return {}
  }
}

function versionsOf(dir: string, path: string): Record<string, string> {
  let pkg: Record<string, JsonValue>
  try {
    pkg = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return {}
  }
  const wanted: Record<string, string> = {}
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = pkg[field]
    if (deps === null || typeof deps !== 'object' || Array.isArray(deps)) continue
    for (const [name, range] of Object.entries(deps)) if (typeof range === 'string' && !(name in wanted)) wanted[name] = range
  }
  const out: Record<string, string> = {}
  for (const name of Object.keys(wanted).sort().slice(0, MAX_PACKAGES)) {
    out[name] = installedVersion(dir, name) ?? (wanted[name] as string)
  }
  return out
}

/** The version in node_modules at `dir` or above (npm workspaces hoist to the root). */
function installedVersion(dir: string, name: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    try {
      const v = JSON.parse(readFileSync(join(d, 'node_modules', name, 'package.json'), 'utf8')).version
      if (typeof v === 'string') return v
    } catch {
      // Not installed here; look further up.
    }
    if (dirname(d) === d) return undefined
  }
}
