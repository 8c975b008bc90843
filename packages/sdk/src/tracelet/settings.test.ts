import { describe, expect, it } from 'vitest'
import { captureOptions, resolveSettings } from './settings.js'

describe('resolveSettings', () => {
  it('reads TRACELET_* where the call says nothing, and the call wins', () => {
    const env = {
      TRACELET_PROJECT: 'envproj',
      TRACELET_BACKEND: 'tally, custom',
      TRACELET_TRACK_GIT: 'false',
      TRACELET_TRACK_SYSTEM: '0',
      TRACELET_TRACK_ENV: 'yes',
      TRACELET_ARTIFACT_WATCH_DIRS: 'a,b',
    }
    expect(resolveSettings({}, env)).toEqual({
      project: 'envproj',
      backends: ['tally', 'custom'],
      settings: { trackGit: false, trackSystem: false, trackEnv: true, artifactWatchDirs: ['a', 'b'] },
    })
    const explicit = resolveSettings({ project: 'p', backend: 'tally', config: { trackGit: true } }, env)
    expect(explicit).toMatchObject({ project: 'p', backends: ['tally'], settings: { trackGit: true, trackSystem: false } })
  })

  it('defaults to the tally backend and rejects a switch that is not one', () => {
    expect(resolveSettings({}, {})).toEqual({ project: undefined, backends: ['tally'], settings: {} })
    expect(() => resolveSettings({}, { TRACELET_TRACK_GIT: 'maybe' })).toThrow(/TRACELET_TRACK_GIT="maybe" is not a switch/)
    expect(() => resolveSettings({}, { TRACELET_METRICS_INTERVAL: 'often' })).toThrow(/TRACELET_METRICS_INTERVAL="often" is not a number/)
  })

  it("takes Tracelet's Python spelling of the settings; other keys pass to the backends as they are", () => {
    const { settings } = resolveSettings({ config: { track_system: false, metrics_interval: 5, mlflow_tracking_uri: 'x' } }, {})
    expect(settings).toEqual({ trackSystem: false, metricsInterval: 5, mlflow_tracking_uri: 'x' })
  })
})

describe('captureOptions', () => {
  it('maps ExperimentConfig flags and settings onto the capture switches, leaving the rest to Tally', () => {
    expect(captureOptions({}, {})).toEqual({})
    expect(
      captureOptions(
        { trackSystem: true, trackGit: true, trackEnv: true },
        { trackGit: false, trackEnvironment: false, trackStdout: false, trackArgs: false },
      ),
    ).toEqual({ system: true, git: false, env: false, console: false, argv: false })
    expect(captureOptions({ metricsInterval: 2.5 })).toEqual({ system: { intervalMs: 2500 } })
    expect(captureOptions({ metricsInterval: 10 }, { trackSystemMetrics: false })).toEqual({ system: false })
  })

  it('says what is wrong with a flag or an interval', () => {
    expect(() => captureOptions({ trackGit: 'no' as unknown as boolean })).toThrow(/trackGit must be true or false/)
    expect(() => captureOptions({ metricsInterval: 0.1 })).toThrow(/metricsInterval is a number of seconds ≥ 1/)
  })
})
