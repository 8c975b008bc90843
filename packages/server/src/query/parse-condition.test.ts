import { describe, expect, it } from 'vitest'
import { parseCondition } from './parse-condition.js'

describe('parseCondition', () => {
  it('reads fields, operators and typed values', () => {
    expect(parseCondition('config.lr > 0.001')).toEqual({ field: 'config.lr', op: '>', value: 0.001 })
    expect(parseCondition('summary.loss<=0.2')).toEqual({ field: 'summary.loss', op: '<=', value: 0.2 })
    expect(parseCondition('status = finished')).toEqual({ field: 'status', op: '=', value: 'finished' })
    expect(parseCondition('config.opt == "adam w"')).toEqual({ field: 'config.opt', op: '=', value: 'adam w' })
    expect(parseCondition('config.flag != true')).toEqual({ field: 'config.flag', op: '!=', value: true })
    expect(parseCondition('config.x = null')).toEqual({ field: 'config.x', op: '=', value: null })
  })

  it('rejects what it cannot read with invalid_query', () => {
    for (const bad of ['config.lr', '> 3', 'config.lr >', '']) {
      expect(() => parseCondition(bad)).toThrow(expect.objectContaining({ code: 'invalid_query' }))
    }
  })
})
