/**
 * Shaping rich values for the run page: a small markdown reader whose output is plain data
 * (React escapes every string, so no HTML in a note is ever run), table cells and CSV, and
 * histogram bars. Pure, so each is tested alone.
 */

/** A run of text, bold or inline code or neither. */
export interface Span {
  text: string
  bold?: true
  code?: true
}

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3 | 4; spans: Span[] }
  | { type: 'code'; text: string }
  | { type: 'list'; items: Span[][] }
  | { type: 'paragraph'; spans: Span[] }

/** Inline code first (nothing inside it is formatting), then `**bold**`. */
export function parseInline(text: string): Span[] {
  const spans: Span[] = []
  const parts = text.split(/(`[^`\n]+`)/)
  for (const part of parts) {
    if (part === '') continue
    if (part.length > 2 && part.startsWith('`') && part.endsWith('`')) {
      spans.push({ text: part.slice(1, -1), code: true })
      continue
    }
    const bolds = part.split(/(\*\*[^*\n]+\*\*)/)
    for (const b of bolds) {
      if (b === '') continue
      if (b.length > 4 && b.startsWith('**') && b.endsWith('**')) spans.push({ text: b.slice(2, -2), bold: true })
      else spans.push({ text: b })
    }
  }
  return spans
}

/**
 * Headings (`#` to `####`), fenced code blocks, `-`/`*` lists and paragraphs (separated by
 * blank lines). Everything else is text as written.
 */
export function parseMarkdown(text: string): Block[] {
  const blocks: Block[] = []
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  let para: string[] = []
  let list: Span[][] = []
  const endPara = (): void => {
    if (para.length > 0) blocks.push({ type: 'paragraph', spans: parseInline(para.join(' ')) })
    para = []
  }
  const endList = (): void => {
    if (list.length > 0) blocks.push({ type: 'list', items: list })
    list = []
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (line.startsWith('```')) {
      endPara()
      endList()
      const code: string[] = []
      for (i++; i < lines.length && !(lines[i] as string).startsWith('```'); i++) code.push(lines[i] as string)
      blocks.push({ type: 'code', text: code.join('\n') })
      continue
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line)
    if (heading) {
      endPara()
      endList()
      blocks.push({ type: 'heading', level: (heading[1] as string).length as 1 | 2 | 3 | 4, spans: parseInline(heading[2] as string) })
      continue
    }
    const item = /^\s*[-*]\s+(.*)$/.exec(line)
    if (item) {
      endPara()
      list.push(parseInline(item[1] as string))
      continue
    }
    if (line.trim() === '') {
      endPara()
      endList()
      continue
    }
    endList()
    para.push(line.trim())
  }
  endPara()
  endList()
  return blocks
}

/** A table cell as text: strings as they are, null empty, anything else as JSON. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/** RFC 4180 CSV: a field with a comma, quote or line break is quoted, quotes doubled. */
export function tableCsv(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const field = (v: unknown): string => {
    const s = cellText(v)
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
  }
  const lines = [columns, ...rows].map((r) => r.map(field).join(','))
  return `${lines.join('\r\n')}\r\n`
}

export interface Bar {
  x: number
  y: number
  width: number
  height: number
  /** e.g. "[0.5, 1): 12" */
  label: string
}

/** Bars of a histogram filling `width` × `height`, each at least 1 px wide; heights scale to the largest count. */
export function histogramBars(edges: readonly number[], counts: readonly number[], width: number, height: number): Bar[] {
  const lo = edges[0] ?? 0
  const hi = edges[edges.length - 1] ?? 1
  const span = hi - lo || 1
  const top = Math.max(1, ...counts)
  return counts.map((c, i) => {
    const a = edges[i] as number
    const b = edges[i + 1] as number
    const x = ((a - lo) / span) * width
    const w = Math.max(1, ((b - a) / span) * width)
    const h = (c / top) * height
    const last = i === counts.length - 1
    return { x, y: height - h, width: w, height: h, label: `[${formatEdge(a)}, ${formatEdge(b)}${last ? ']' : ')'}: ${c}` }
  })
}

/** Edges to 4 significant digits: enough to tell bins apart, short enough to read. */
export function formatEdge(n: number): string {
  return Number.parseFloat(n.toPrecision(4)).toString()
}

/** The step to show: `wanted` when it has a value, else the last step (the default). */
export function shownStep(steps: readonly number[], wanted: number | undefined): number | undefined {
  if (wanted !== undefined && steps.includes(wanted)) return wanted
  return steps[steps.length - 1]
}
