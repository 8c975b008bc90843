import { describe, expect, it } from 'vitest'
import { remoteTarget, runUrl } from './target.js'

describe('remote target', () => {
  it('is local mode when neither the options nor the environment name a server', () => {
    expect(remoteTarget({}, {})).toBeUndefined()
    expect(remoteTarget({}, { TALLY_SERVER_URL: '' })).toBeUndefined()
  })

  it('takes options first, then TALLY_SERVER_URL, TALLY_API_KEY and TALLY_WORKSPACE, and the workspace "default"', () => {
    const env = { TALLY_SERVER_URL: 'https://tally.example.com/', TALLY_API_KEY: 'tally_sk_env', TALLY_WORKSPACE: 'ml' }
    expect(remoteTarget({}, env)).toEqual({ serverUrl: 'https://tally.example.com', apiKey: 'tally_sk_env', workspace: 'ml' })
    expect(remoteTarget({ serverUrl: 'http://127.0.0.1:8080', apiKey: 'tally_sk_opt', workspace: 'cv' }, env)).toEqual({
      serverUrl: 'http://127.0.0.1:8080',
      apiKey: 'tally_sk_opt',
      workspace: 'cv',
    })
    expect(remoteTarget({ serverUrl: 'http://h/prefix//', apiKey: 'k' }, {})).toEqual({
      serverUrl: 'http://h/prefix',
      apiKey: 'k',
      workspace: 'default',
    })
  })

  it('says what is missing or wrong, before anything is logged', () => {
    expect(() => remoteTarget({ serverUrl: 'http://h' }, {})).toThrow(/needs an API key .*TALLY_API_KEY/)
    for (const serverUrl of ['tally.example.com', 'ftp://h', 'http://h/?x=1']) {
      expect(() => remoteTarget({ serverUrl, apiKey: 'k' }, {})).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
    }
    expect(() => remoteTarget({ serverUrl: 'http://h', apiKey: 'k', workspace: 'a b' }, {})).toThrow(/workspace names/)
  })

  it('builds the dashboard address of a run', () => {
    const target = { serverUrl: 'https://tally.example.com', apiKey: 'k', workspace: 'ml' }
    expect(runUrl(target, 'mnist', 'r1')).toBe('https://tally.example.com/ml/mnist/runs/r1')
    expect(runUrl(target, 'my project/v2', 'r1')).toBe('https://tally.example.com/ml/my%20project%2Fv2/runs/r1')
  })
})
