import { describe, expect, it } from 'vitest'
import { parseCsv, trackioRows } from './csv.js'

describe('parseCsv', () => {
  it('reads quoted fields with commas, quotes and newlines, and CRLF line ends', () => {
    expect(parseCsv('a,"b,c","say ""hi""\nthere"\r\n1,2,3\r\n')).toEqual([
      ['a', 'b,c', 'say "hi"\nthere'],
      ['1', '2', '3'],
    ])
  })

  it('keeps a last line without a newline and drops blank lines', () => {
    expect(parseCsv('x,y\n\n1,2')).toEqual([
      ['x', 'y'],
      ['1', '2'],
    ])
  })

  it('refuses an unclosed quote', () => {
    expect(() => parseCsv('a,"b\n1,2')).toThrow(expect.objectContaining({ code: 'invalid_argument' }))
  })
})

describe('trackioRows', () => {
  it('takes step, skips timestamp and empty cells, and reads every other column as a metric', () => {
    const text = '\uFEFFStep,timestamp,loss,acc\n0,2025-01-01T00:00:00,0.5,\n1,2025-01-01T00:00:01,0.25,0.75\n'
    expect(trackioRows(text, 'm.csv')).toEqual([
      { step: 0, metrics: { loss: 0.5 } },
      { step: 1, metrics: { loss: 0.25, acc: 0.75 } },
    ])
  })

  it("reads pandas' df.to_csv(): the unnamed index column is not a metric, inf and -inf are numbers", () => {
    expect(trackioRows(',step,loss\n0,0,inf\n1,1,-inf\n2,2,nan\n', 'm.csv')).toEqual([
      { step: 0, metrics: { loss: Number.POSITIVE_INFINITY } },
      { step: 1, metrics: { loss: Number.NEGATIVE_INFINITY } },
      { step: 2, metrics: { loss: Number.NaN } },
    ])
  })

  it('checks every metric name before any row, and takes only plain digits as a step', () => {
    expect(() => trackioRows('step, loss\n0,1\n', 'm.csv')).not.toThrow()
    expect(() => trackioRows(`step,${'k'.repeat(300)}\n0,1\n`, 'm.csv')).toThrow(expect.objectContaining({ code: 'invalid_key' }))
    for (const bad of ['0x10', '1e1', '-1', ' ']) {
      expect(() => trackioRows(`step,loss\n${bad},1\n`, 'm.csv')).toThrow(expect.objectContaining({ code: 'invalid_step' }))
    }
  })

  it('says what is wrong, with the file and line', () => {
    expect(() => trackioRows('', 'm.csv')).toThrow(/m\.csv is empty/)
    expect(() => trackioRows('epoch,loss\n0,1\n', 'm.csv')).toThrow(/no "step" column; its header is: epoch, loss/)
    expect(() => trackioRows('step,loss\n1.5,1\n', 'm.csv')).toThrow(expect.objectContaining({ code: 'invalid_step' }))
    expect(() => trackioRows('step,loss\n0,high\n', 'm.csv')).toThrow(/line 2: "loss" must be a number; got "high"/)
    expect(() => trackioRows('step,loss\n0\n', 'm.csv')).toThrow(/line 2 has 1 fields; the header has 2/)
  })
})
