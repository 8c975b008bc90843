import { describe, expect, it } from 'vitest'
import { Table as CoreTable } from '../values/rich.js'
import { Histogram, Table } from './values.js'

describe('Table in Trackio shapes', () => {
  const expected = {
    columns: ['prompt', 'completion', 'reward'],
    rows: [
      ['Trackio', 'is great!', 0.123],
      ['Logging is', 'easy and fun!', 0.456],
    ],
  }

  it('takes a DataFrame-like object of columns, columns with data rows, or row objects', () => {
    const frame = new Table({
      dataframe: { prompt: ['Trackio', 'Logging is'], completion: ['is great!', 'easy and fun!'], reward: [0.123, 0.456] },
    })
    expect(frame).toBeInstanceOf(CoreTable)
    expect(frame.payload()).toEqual(expected)
    expect(new Table({ columns: expected.columns, data: expected.rows }).payload()).toEqual(expected)
    expect(
      new Table({
        data: [
          { prompt: 'Trackio', completion: 'is great!', reward: 0.123 },
          { prompt: 'Logging is', completion: 'easy and fun!', reward: 0.456 },
        ],
      }).payload(),
    ).toEqual(expected)
  })

  it('refuses a dataframe whose columns differ in length, or are not arrays', () => {
    expect(() => new Table({ dataframe: { a: [1, 2], b: [1] } })).toThrow(/"a" has 2, "b" has 1/)
    expect(() => new Table({ dataframe: { a: 1 as unknown as unknown[] } })).toThrow(expect.objectContaining({ code: 'invalid_value' }))
  })
})

describe('Histogram in Trackio shapes', () => {
  it('bins a sequence into numBins, positionally or as an option', () => {
    const values = [0, 1, 2, 3]
    expect(new Histogram(values, 2).counts).toEqual([2, 2])
    expect(new Histogram({ sequence: values, numBins: 4 }).counts).toEqual([1, 1, 1, 1])
  })

  it('takes numpy.histogram output as [counts, edges]', () => {
    const h = new Histogram({
      npHistogram: [
        [3, 1],
        [0, 0.5, 1],
      ],
    })
    expect(h.payload()).toEqual({ counts: [3, 1], edges: [0, 0.5, 1] })
  })

  it('refuses both sources at once, or neither', () => {
    expect(() => new Histogram({ sequence: [1], npHistogram: [[1], [0, 1]] })).toThrow(/not both/)
    expect(() => new Histogram({})).toThrow(expect.objectContaining({ code: 'invalid_value' }))
  })
})
