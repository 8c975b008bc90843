import { describe, expect, it } from 'vitest'
import { parseValueSteps, valueStepParams } from './value-steps'

describe('value steps in the URL', () => {
  it('round-trips any key, and ignores other parameters and bad steps', () => {
    const steps = new Map([
      ['weights/fc1', 500],
      ['a,b c', 0],
    ])
    const params = new URLSearchParams(valueStepParams(steps))
    params.set('run', 'r1')
    params.set('vstep.bad', '-1')
    params.set('vstep.huge', '99999999999999999')
    expect(parseValueSteps(new URLSearchParams(params.toString()))).toEqual(steps)
  })
})
