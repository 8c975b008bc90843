import { describe, expect, it } from 'vitest'
import { parseFlags, redactArgv } from './argv.js'

describe('parseFlags', () => {
  it('reads --k=v, --k v, --flag and --no-flag into numbers, booleans and strings', () => {
    expect(
      parseFlags([
        'data.csv',
        '--lr=0.01',
        '--epochs',
        '5',
        '--amp',
        '--no-shuffle',
        '--optim',
        'adam',
        '--warmup',
        '-1e-3',
        '--resume=false',
      ]),
    ).toEqual({ lr: 0.01, epochs: 5, amp: true, shuffle: false, optim: 'adam', warmup: -0.001, resume: false })
  })

  it('takes a flag followed by another flag as true, keeps --k= as an empty string and stops at --', () => {
    expect(parseFlags(['--verbose', '--seed', '7', '--tag=', '--', '--ignored', '1'])).toEqual({ verbose: true, seed: 7, tag: '' })
  })

  it('leaves single-dash flags and positionals to the program', () => {
    expect(parseFlags(['-v', '-n', '3', 'train'])).toEqual({})
  })

  it('redacts the value of a secret-looking flag, in the flags and in the command line', () => {
    const args = ['node', 'train.js', '--api-key=sk-live-123', '--wandb_token', 'tok-9', '--lr', '0.1', '--auth']
    expect(parseFlags(args.slice(2))).toEqual({ 'api-key': '[redacted]', wandb_token: '[redacted]', lr: 0.1, auth: '[redacted]' })
    expect(redactArgv(args)).toEqual(['node', 'train.js', '--api-key=[redacted]', '--wandb_token', '[redacted]', '--lr', '0.1', '--auth'])
  })

  it("drops a URL's user:password@ from any flag, whatever its name", () => {
    const args = ['node', 'train.js', '--db-url=postgres://alice:pw@db/x', '--data', 's3://AKIA:sec@bucket/d']
    expect(parseFlags(args.slice(2))).toEqual({ 'db-url': 'postgres://db/x', data: 's3://bucket/d' })
    expect(redactArgv(args)).toEqual(['node', 'train.js', '--db-url=postgres://db/x', '--data', 's3://bucket/d'])
  })
})
