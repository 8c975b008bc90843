/**
 * What a chart's downloads hold: a CSV of the points it shows, every one (read raw, not
 * the buckets drawn), and the names the files get. Pure.
 */
import type { JsonNumber } from '@tally/sdk/api'

/** One run's raw points, as the API answers them. */
export interface RunPoints {
  id: string
  name: string
  steps: readonly number[]
  times: readonly number[]
  values: readonly JsonNumber[]
}

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/**
 * `run_id,run_name,step,time,value`, one row per run and step, runs in the chart's order.
 * Time is ISO 8601 UTC with milliseconds (times are stored to the millisecond); a value is
 * written as JavaScript writes a number, NaN and ±Infinity as `NaN`, `Infinity`,
 * `-Infinity`, which pandas and most CSV readers take as numbers.
 */
export function pointsCsv(runs: readonly RunPoints[]): string {
  const lines = ['run_id,run_name,step,time,value']
  for (const r of runs) {
    const id = field(r.id)
    const name = field(r.name)
    r.steps.forEach((step, i) => {
      const t = new Date(r.times[i] as number)
      const time = Number.isNaN(t.getTime()) ? '' : t.toISOString()
      lines.push(`${id},${name},${step},${time},${String(r.values[i])}`)
    })
  }
  return `${lines.join('\n')}\n`
}

/** `<project>-<metric key>.<ext>`, with `/` (and other characters file systems refuse) as `_`. */
export function exportName(project: string, metric: string, ext: 'csv' | 'png'): string {
  const safe = (s: string): string => s.replace(/[/\\:*?"<>|\s]+/g, '_')
  return `${safe(project)}-${safe(metric)}.${ext}`
}
