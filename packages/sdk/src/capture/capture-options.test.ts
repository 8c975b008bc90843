import { describe, expect, it } from 'vitest'
import type { TallyError } from '../errors.js'
import { captureSettings } from './capture-options.js'

const all = { system: 10_000, git: true, env: true, console: true, argv: true }
const code = (c: string) => expect.objectContaining({ code: c }) as unknown as TallyError

describe('captureSettings', () => {
  it('has everything on by default', () => {
    expect(captureSettings(undefined, undefined, {})).toEqual(all)
  })

  it('switches each capture off from the environment, or all of them with TALLY_CAPTURE=0', () => {
    expect(captureSettings(undefined, undefined, { TALLY_CAPTURE_SYSTEM: '0', TALLY_CAPTURE_ENV: 'false' })).toEqual({
      ...all,
      system: false,
      env: false,
    })
    expect(captureSettings(undefined, undefined, { TALLY_CAPTURE: '0', TALLY_CAPTURE_GIT: '1' })).toEqual({
      system: false,
      git: true,
      env: false,
      console: false,
      argv: false,
    })
  })

  it('lets an explicit option beat the environment, and captureConsole stand for capture.console', () => {
    const env = { TALLY_CAPTURE: '0' }
    expect(captureSettings({ system: { intervalMs: 2000 }, argv: true }, undefined, env)).toEqual({
      system: 2000,
      git: false,
      env: false,
      console: false,
      argv: true,
    })
    expect(captureSettings(undefined, true, env).console).toBe(true)
    expect(captureSettings({ console: false }, true, {}).console).toBe(false)
    expect(captureSettings(false, undefined, { TALLY_CAPTURE_GIT: '1' })).toEqual({
      system: false,
      git: false,
      env: false,
      console: false,
      argv: false,
    })
  })

  it('refuses unknown options and bad values with invalid_argument', () => {
    expect(() => captureSettings({ gpu: true } as never, undefined, {})).toThrow(code('invalid_argument'))
    expect(() => captureSettings({ git: 'yes' } as never, undefined, {})).toThrow(code('invalid_argument'))
    expect(() => captureSettings({ system: { intervalMs: 10 } }, undefined, {})).toThrow(/≥ 1000/)
    expect(() => captureSettings('all' as never, undefined, {})).toThrow(code('invalid_argument'))
  })
})
