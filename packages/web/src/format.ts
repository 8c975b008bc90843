/** How times and durations read in the dashboard. */

/** `3s`, `4m 05s`, `2h 07m`, `3d 4h`: precise for short runs, short for long ones. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

/** `2025-11-25 19:40`, in the reader's time zone; the exact ISO time goes in a tooltip. */
export function formatTime(iso: string | null): string {
  if (iso === null) return '–'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '–'
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

/** A metric value in a chart's legend: six significant digits; null is a NaN (or infinite) point. */
export function formatValue(v: number | null): string {
  if (v === null) return 'NaN'
  if (v === 0 || (Math.abs(v) >= 1e-4 && Math.abs(v) < 1e6)) return String(Number(v.toPrecision(6)))
  return v.toExponential(4)
}
