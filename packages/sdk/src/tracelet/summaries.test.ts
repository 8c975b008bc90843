import { describe, expect, it } from 'vitest'
import { scalarEntries, summarizeDataset, summarizeModel } from './summaries.js'

describe('summaries', () => {
  it('keeps only the scalar hyperparameters', () => {
    expect(scalarEntries({ lr: 0.1, name: 'adam', nesterov: true, none: null, layers: [1, 2], fn: () => 1, nan: Number.NaN })).toEqual({
      lr: 0.1,
      name: 'adam',
      nesterov: true,
      none: null,
    })
  })

  it('counts a model’s numbers per part, once per shared value', () => {
    const shared = [1, 2, 3]
    const model = { dense: { w: new Float32Array(6), b: [0, 0] }, head: shared, tied: shared, act: 'relu' }
    expect(summarizeModel(model)).toEqual({
      type: 'Object',
      parameters: 11,
      layers: 4,
      parts: {
        dense: { type: 'Object', parameters: 8 },
        head: { type: 'array', parameters: 3 },
        tied: { type: 'array', parameters: 3 },
        act: { type: 'string', parameters: 0 },
      },
    })
  })

  it('describes datasets of records and of columns', () => {
    expect(
      summarizeDataset([
        { x: [1, 2], y: 0 },
        { x: [3, 4], y: 1 },
      ]),
    ).toEqual({
      type: 'array',
      size: 2,
      sample: { type: 'Object', fields: ['x', 'y'] },
    })
    expect(summarizeDataset({ x: new Float64Array(3), y: [0, 1, 0] })).toEqual({
      type: 'Object',
      size: 3,
      columns: { x: { type: 'Float64Array', length: 3 }, y: { type: 'array', length: 3 } },
    })
    expect(summarizeDataset(42)).toEqual({ type: 'number' })
  })
})
