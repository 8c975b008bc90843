import { describe, expect, it } from 'vitest'
import { cellText, histogramBars, parseInline, parseMarkdown, shownStep, tableCsv } from './values-view'

describe('parseMarkdown', () => {
  it('reads headings, paragraphs, lists and fenced code', () => {
    const text = '# Title\n\nFirst line\nsame paragraph\n\n- one\n- **two**\n\n```\nconst x = `y`\n**not bold**\n```\n### Small'
    expect(parseMarkdown(text)).toEqual([
      { type: 'heading', level: 1, spans: [{ text: 'Title' }] },
      { type: 'paragraph', spans: [{ text: 'First line same paragraph' }] },
      { type: 'list', items: [[{ text: 'one' }], [{ text: 'two', bold: true }]] },
      { type: 'code', text: 'const x = `y`\n**not bold**' },
      { type: 'heading', level: 3, spans: [{ text: 'Small' }] },
    ])
  })

  it('keeps HTML as text: it becomes spans, never markup', () => {
    expect(parseMarkdown('<script>alert(1)</script>')).toEqual([{ type: 'paragraph', spans: [{ text: '<script>alert(1)</script>' }] }])
  })

  it('reads inline code before bold, so ** inside code stays as written', () => {
    expect(parseInline('a `**b**` and **c**')).toEqual([
      { text: 'a ' },
      { text: '**b**', code: true },
      { text: ' and ' },
      { text: 'c', bold: true },
    ])
    expect(parseInline('** not bold')).toEqual([{ text: '** not bold' }])
  })
})

describe('tables', () => {
  it('shows cells as text and writes CSV with quoting', () => {
    expect([cellText(null), cellText('x'), cellText(1.5), cellText('NaN'), cellText({ a: 1 })]).toEqual(['', 'x', '1.5', 'NaN', '{"a":1}'])
    expect(
      tableCsv(
        ['a', 'b,c'],
        [
          ['x "y"', 1],
          ['line\nbreak', null],
        ],
      ),
    ).toBe('a,"b,c"\r\n"x ""y""",1\r\n"line\nbreak",\r\n')
  })
})

describe('histogramBars', () => {
  it('places bars by their edges and scales heights to the largest count', () => {
    const bars = histogramBars([0, 1, 3], [2, 4], 300, 100)
    expect(bars.map((b) => [b.x, b.width, b.y, b.height])).toEqual([
      [0, 100, 50, 50],
      [100, 200, 0, 100],
    ])
    expect(bars.map((b) => b.label)).toEqual(['[0, 1): 2', '[1, 3]: 4'])
  })

  it('draws empty histograms flat', () => {
    expect(histogramBars([0, 1], [0], 10, 10)).toEqual([{ x: 0, y: 10, width: 10, height: 0, label: '[0, 1]: 0' }])
  })
})

describe('shownStep', () => {
  it('shows the wanted step when it has a value, else the last', () => {
    expect(shownStep([0, 5, 9], 5)).toBe(5)
    expect(shownStep([0, 5, 9], 4)).toBe(9)
    expect(shownStep([0, 5, 9], undefined)).toBe(9)
    expect(shownStep([], undefined)).toBeUndefined()
  })
})
