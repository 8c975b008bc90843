/** Plain-text tables and values for the CLI's default, human-readable output. */

export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return ''
  if (Number.isNaN(n)) return 'NaN'
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity'
  if (Number.isInteger(n)) return String(n)
  const abs = Math.abs(n)
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return n.toExponential(4)
  return String(Number(n.toPrecision(6)))
}

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return ''
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

export function formatJsonValue(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v)
  if (typeof v === 'string') return v
  return JSON.stringify(v) ?? ''
}

const width = (s: string): number => [...s].length

/** Columns separated by two spaces; numbers (cells that parse as numbers) right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))))
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === '' || /^-?(\d|NaN|Infinity)/.test(r[i] ?? '')))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - width(c))
        return numeric[i] ? pad + c : c + pad
      })
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}
