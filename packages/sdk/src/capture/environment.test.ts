import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { environmentInfo, MAX_ENVIRON_CHARS, MAX_VALUE_CHARS, MAX_VARIABLES, packageVersions, redactedEnviron } from './environment.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('redactedEnviron', () => {
  it('keeps ordinary variables and never the value of a secret-looking one', () => {
    const env = {
      PATH: '/usr/bin',
      CUDA_VISIBLE_DEVICES: '0,1',
      OPENAI_API_KEY: 'sk-abc',
      HF_TOKEN: 'hf_x',
      aws_secret_access_key: 's',
      DB_PASSWORD: 'p',
      GOOGLE_APPLICATION_CREDENTIALS: '/k.json',
      HTTP_AUTH: 'basic',
      DATABASE_URL: 'postgres://alice:pw@db:5432/x',
    }
    expect(redactedEnviron(env)).toEqual({
      CUDA_VISIBLE_DEVICES: '0,1',
      DATABASE_URL: 'postgres://db:5432/x',
      DB_PASSWORD: '[redacted]',
      GOOGLE_APPLICATION_CREDENTIALS: '[redacted]',
      HF_TOKEN: '[redacted]',
      HTTP_AUTH: '[redacted]',
      OPENAI_API_KEY: '[redacted]',
      PATH: '/usr/bin',
      aws_secret_access_key: '[redacted]',
    })
  })

  it("redacts the short password names too (DB_PASS, MYSQL_PWD, SENTRY_DSN), and keeps the shell's PWD", () => {
    expect(redactedEnviron({ DB_PASS: 'x', MYSQL_PWD: 'y', SENTRY_DSN: 'https://k@o.example/1', PWD: '/home/a', PASSAGE: 'kept' })).toEqual(
      {
        DB_PASS: '[redacted]',
        MYSQL_PWD: '[redacted]',
        SENTRY_DSN: '[redacted]',
        PWD: '/home/a',
        PASSAGE: 'kept',
      },
    )
  })

  it('cuts long values and keeps at most MAX_VARIABLES names and MAX_ENVIRON_CHARS characters', () => {
    const env: Record<string, string> = { LONG: 'x'.repeat(MAX_VALUE_CHARS + 5) }
    for (let i = 0; i < MAX_VARIABLES + 10; i++) env[`V${String(i).padStart(4, '0')}`] = 'v'
    const out = redactedEnviron(env)
    expect(Object.keys(out)).toHaveLength(MAX_VARIABLES)
    expect(out.LONG).toBe(`${'x'.repeat(MAX_VALUE_CHARS)}…`)
    const wide: Record<string, string> = {}
    for (let i = 0; i < 100; i++) wide[`W${String(i).padStart(3, '0')}`] = 'w'.repeat(MAX_VALUE_CHARS)
    const kept = Object.entries(redactedEnviron(wide))
    expect(kept.length).toBeLessThan(100)
    expect(kept.reduce((n, [k, v]) => n + k.length + v.length, 0)).toBeLessThanOrEqual(MAX_ENVIRON_CHARS)
  })
})

describe('environment info', () => {
  it('reads versions from the nearest package.json, as installed in node_modules at or above it', () => {
    const root = mkdtempSync(join(tmpdir(), 'tally-env-'))
    dirs.push(root)
    const project = join(root, 'project')
    mkdirSync(join(project, 'src'), { recursive: true })
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ dependencies: { torchjs: '^1.0.0', absent: '~2.1.0' }, devDependencies: { vitest: '^4' } }),
    )
    mkdirSync(join(root, 'node_modules', 'torchjs'), { recursive: true })
    writeFileSync(join(root, 'node_modules', 'torchjs', 'package.json'), JSON.stringify({ version: '1.4.2' }))
    expect(packageVersions(join(project, 'src'))).toEqual({ absent: '~2.1.0', torchjs: '1.4.2', vitest: '^4' })
  })

  it('describes this process: runtime, OS, CPUs', () => {
    const info = environmentInfo()
    expect(info).toMatchObject({ runtime: 'node', runtimeVersion: process.versions.node, cpuCount: cpus().length })
    expect(info.memoryTotalGb).toBeGreaterThan(0)
    // The tests run in Tally's own repository, whose package.json has devDependencies.
    expect(info.packages.vitest).toMatch(/^\d+\.\d+\.\d+/)
  })
})
