import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Histogram, Image, Markdown, richValueOf, sniffImage, Table, VALUE_LIMITS } from './rich.js'

const code = (c: string) => expect.objectContaining({ name: 'TallyError', code: c })

// The smallest PNG header there is: signature, then an IHDR of 3 × 2 pixels.
const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0,
])
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16])

describe('Table', () => {
  it('takes columns and rows, keeping NaN and infinities in cells', () => {
    const t = new Table({
      columns: ['a', 'b'],
      rows: [
        [1, 'x'],
        [Number.NaN, Number.NEGATIVE_INFINITY],
      ],
    })
    expect(t.columns).toEqual(['a', 'b'])
    expect(Object.is(t.rows[1]?.[0], Number.NaN)).toBe(true)
    expect(t.payload()).toEqual({
      columns: ['a', 'b'],
      rows: [
        [1, 'x'],
        [Number.NaN, Number.NEGATIVE_INFINITY],
      ],
    })
  })

  it('takes an array of objects, columns in first-seen order and missing cells null', () => {
    const t = new Table({
      data: [
        { a: 1, b: 2 },
        { c: 3, a: 4 },
      ],
    })
    expect(t.columns).toEqual(['a', 'b', 'c'])
    expect(t.rows).toEqual([
      [1, 2, null],
      [4, null, 3],
    ])
  })

  it('copies its input, so later changes are not recorded', () => {
    const rows = [[1]]
    const t = new Table({ columns: ['a'], rows })
    ;(rows[0] as number[])[0] = 2
    expect(t.rows[0]?.[0]).toBe(1)
  })

  it('refuses ragged rows, non-JSON cells and tables past their limits', () => {
    expect(() => new Table({ columns: ['a'], rows: [[1, 2]] })).toThrow(code('invalid_value'))
    expect(() => new Table({ columns: ['a'], rows: [[() => 1]] })).toThrow(code('invalid_value'))
    expect(() => new Table({ columns: 'a' as unknown as string[], rows: [] })).toThrow(code('invalid_value'))
    expect(() => new Table({ data: [1] as unknown as Record<string, unknown>[] })).toThrow(code('invalid_value'))
    const wide = Array.from({ length: VALUE_LIMITS.tableColumns + 1 }, (_, i) => `c${i}`)
    expect(() => new Table({ columns: wide, rows: [] })).toThrow(code('value_too_large'))
    const long = Array.from({ length: VALUE_LIMITS.tableRows + 1 }, () => [1])
    expect(() => new Table({ columns: ['a'], rows: long })).toThrow(code('value_too_large'))
    const big = Array.from({ length: 10 }, () => ['x'.repeat(1024 * 1024)])
    expect(() => new Table({ columns: ['a'], rows: big })).toThrow(code('value_too_large'))
  })
})

describe('Histogram', () => {
  it('bins values into equal bins over [min, max], leaving out NaN and infinities', () => {
    const h = new Histogram([0, 1, 2, 3, 4, Number.NaN, Number.POSITIVE_INFINITY], { bins: 2 })
    expect(h.edges).toEqual([0, 2, 4])
    expect(h.counts).toEqual([2, 3])
  })

  it('puts equal values in one bin around them, and no values in one empty bin', () => {
    expect(new Histogram([5, 5], { bins: 1 }).payload()).toEqual({ edges: [4.5, 5.5], counts: [2] })
    expect(new Histogram([]).payload()).toEqual({ edges: [0, 1], counts: [0] })
    expect(new Histogram(new Float32Array([1, 2, 3])).counts.reduce((a, b) => a + b)).toBe(3)
  })

  it('takes precomputed bins and checks them', () => {
    expect(new Histogram({ edges: [0, 1, 3], counts: [4, 2] }).payload()).toEqual({ edges: [0, 1, 3], counts: [4, 2] })
    expect(() => new Histogram({ edges: [0, 1], counts: [1, 2] })).toThrow(code('invalid_value'))
    expect(() => new Histogram({ edges: [1, 0], counts: [1] })).toThrow(code('invalid_value'))
    expect(() => new Histogram({ edges: [0, 1], counts: [-1] })).toThrow(code('invalid_value'))
  })

  it('allows at most 512 bins', () => {
    expect(new Histogram([1, 2], { bins: 512 }).counts).toHaveLength(512)
    expect(() => new Histogram([1, 2], { bins: 513 })).toThrow(code('value_too_large'))
    expect(() => new Histogram([1, 2], { bins: 0 })).toThrow(code('invalid_value'))
    expect(() => new Histogram(['1'] as unknown as number[])).toThrow(code('invalid_value'))
  })

  it('refuses bins that are not arrays before copying anything (a client could send a length of 2^32)', () => {
    expect(() => richValueOf('histogram', { edges: { length: 2 ** 32 }, counts: [1] }, null)).toThrow(code('invalid_value'))
    expect(() => richValueOf('histogram', { edges: [0, 1], counts: { length: 5e7 } }, null)).toThrow(code('invalid_value'))
    expect(() => richValueOf('histogram', { edges: Array.from({ length: 600 }, (_, i) => i), counts: [1] }, null)).toThrow(
      code('value_too_large'),
    )
  })
})

describe('Image', () => {
  it('sniffs PNG and JPEG from their bytes', () => {
    expect(sniffImage(PNG)).toBe('image/png')
    expect(sniffImage(JPEG)).toBe('image/jpeg')
    expect(sniffImage(Buffer.from('GIF89a'))).toBeUndefined()
  })

  it('reads a PNG size from its header; a JPEG has none', () => {
    const png = new Image(PNG, { caption: 'tiny' })
    expect(png.payload()).toEqual({ mime: 'image/png', bytes: PNG.length, width: 3, height: 2, caption: 'tiny' })
    expect(new Image(new Uint8Array(JPEG)).payload()).toMatchObject({ mime: 'image/jpeg', width: null, height: null })
  })

  it('reads a file at once, whatever its name says', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tally-image-')), 'picture.gif')
    writeFileSync(path, PNG)
    expect(new Image(path).mime).toBe('image/png')
    expect(() => new Image(join(path, '..', 'missing.png'))).toThrow(code('invalid_value'))
  })

  it('refuses other formats and images over 5 MB', () => {
    expect(() => new Image(Buffer.from('not an image'))).toThrow(code('invalid_value'))
    expect(() => new Image(42 as unknown as Uint8Array)).toThrow(code('invalid_value'))
    const huge = Buffer.alloc(VALUE_LIMITS.imageBytes + 1)
    PNG.copy(huge)
    expect(() => new Image(huge)).toThrow(code('value_too_large'))
  })
})

describe('Markdown', () => {
  it('keeps the text as given, up to 1 Mi characters', () => {
    expect(new Markdown('# hi <script>').payload()).toEqual({ text: '# hi <script>' })
    expect(() => new Markdown('x'.repeat(VALUE_LIMITS.markdownChars + 1))).toThrow(code('value_too_large'))
    expect(() => new Markdown(1 as unknown as string)).toThrow(code('invalid_value'))
  })
})

describe('richValueOf', () => {
  it('rebuilds each kind from an event, with the same checks', () => {
    expect(richValueOf('table', { columns: ['a'], rows: [[{ $num: 'NaN' }]] }, undefined).payload()).toEqual({
      columns: ['a'],
      rows: [[Number.NaN]],
    })
    expect(richValueOf('histogram', { edges: [0, 1], counts: [3] }, undefined).kind).toBe('histogram')
    expect(richValueOf('markdown', { text: 'x' }, undefined).payload()).toEqual({ text: 'x' })
    expect(richValueOf('image', { caption: 'c' }, PNG.toString('base64')).payload()).toMatchObject({ width: 3, caption: 'c' })
    expect(() => richValueOf('image', {}, undefined)).toThrow(code('invalid_value'))
    expect(() => richValueOf('video', {}, undefined)).toThrow(code('invalid_value'))
    expect(() => richValueOf('table', null, undefined)).toThrow(code('invalid_value'))
  })
})
