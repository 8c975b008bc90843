/**
 * Parsers for what the system sampler reads: Linux's /proc files and `nvidia-smi`'s CSV.
 * Pure functions of text, so they are tested against recorded output on any machine.
 */

export interface CpuTimes {
  /** Jiffies (or ms) spent idle, iowait included. */
  idle: number
  total: number
}

/** The aggregate `cpu` line of /proc/stat. */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '))
  if (line === undefined) return undefined
  const f = line.trim().split(/\s+/).slice(1).map(Number)
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined
  // user nice system idle iowait irq softirq steal [guest guest_nice: already counted in user and nice]
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
  return { idle: (f[3] ?? 0) + (f[4] ?? 0), total }
}

/** Busy share of the time between two readings, in percent; undefined when no time passed. */
export function cpuPercent(before: CpuTimes, after: CpuTimes): number | undefined {
  const total = after.total - before.total
  if (total <= 0) return undefined
  const busy = total - (after.idle - before.idle)
  return Math.min(100, Math.max(0, (100 * busy) / total))
}

export interface MemInfo {
  totalBytes: number
  availableBytes: number
}

/** /proc/meminfo: MemTotal and MemAvailable (what can be had without swapping), in bytes. */
export function parseMeminfo(text: string): MemInfo | undefined {
  const kb = (name: string): number | undefined => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s*kB`, 'm').exec(text)
    return m ? Number(m[1]) * 1024 : undefined
  }
  const totalBytes = kb('MemTotal')
  const availableBytes = kb('MemAvailable') ?? kb('MemFree')
  return totalBytes === undefined || availableBytes === undefined ? undefined : { totalBytes, availableBytes }
}

export interface Counters {
  /** Bytes read / received so far. */
  in: number
  /** Bytes written / sent so far. */
  out: number
}

/**
 * Whole disks only: partitions would count each byte twice, and loop, ram, zram and
 * device-mapper devices are views of other devices.
 */
const NOT_A_DISK = /^(loop|ram|zram|dm-|md)\d*|^(sd|vd|xvd|hd)[a-z]+\d+$|^(nvme\d+n\d+|mmcblk\d+)p\d+$/

/** /proc/diskstats: bytes read and written by whole disks (sectors are 512 bytes there, whatever the device). */
export function parseDiskstats(text: string): Counters {
  const c: Counters = { in: 0, out: 0 }
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    const name = f[2]
    if (f.length < 10 || name === undefined || NOT_A_DISK.test(name)) continue
    c.in += Number(f[5]) * 512
    c.out += Number(f[9]) * 512
  }
  return c
}

/** /proc/net/dev: bytes received and sent by every interface but loopback. */
export function parseNetDev(text: string): Counters {
  const c: Counters = { in: 0, out: 0 }
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const name = line.slice(0, colon).trim()
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
    if (name === 'lo' || f.length < 9) continue
    c.in += Number(f[0])
    c.out += Number(f[8])
  }
  return c
}

/** Per second between two readings, in MB (10^6 bytes); undefined when the counters went back (a reset). */
export function mbPerSecond(before: Counters, after: Counters, ms: number): { in: number; out: number } | undefined {
  if (ms <= 0 || after.in < before.in || after.out < before.out) return undefined
  return { in: (after.in - before.in) / 1e6 / (ms / 1000), out: (after.out - before.out) / 1e6 / (ms / 1000) }
}

/** The fields the sampler asks `nvidia-smi --query-gpu=` for, in this order. */
export const GPU_FIELDS = ['index', 'name', 'utilization.gpu', 'memory.used', 'memory.total', 'temperature.gpu', 'power.draw'] as const

export type GpuRow = Record<string, string | number | undefined>

/**
 * `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits`: one row per GPU, each
 * field a number when it reads as one, the text otherwise, and undefined when the board
 * does not report it (`[N/A]`, `[Not Supported]`).
 */
export function parseGpuCsv(text: string, fields: readonly string[]): GpuRow[] {
  const rows: GpuRow[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const cells = line.split(',').map((c) => c.trim())
    const row: GpuRow = {}
    fields.forEach((field, i) => {
      const cell = cells[i]
      if (cell === undefined || cell === '' || /^\[.*\]$/.test(cell)) return
      const n = Number(cell)
      row[field] = Number.isFinite(n) ? n : cell
    })
    rows.push(row)
  }
  return rows
}

/** The `system/gpu.<i>.*` values of one sampler query's rows. */
export function gpuMetrics(rows: GpuRow[]): Record<string, number> {
  const out: Record<string, number> = {}
  rows.forEach((row, position) => {
    const i = typeof row.index === 'number' ? row.index : position
    const put = (name: string, v: unknown, scale = 1): void => {
      if (typeof v === 'number') out[`system/gpu.${i}.${name}`] = v * scale
    }
    put('utilization_percent', row['utilization.gpu'])
    // nvidia-smi reports MiB.
    put('memory_used_gb', row['memory.used'], 1024 ** 2 / 1e9)
    if (typeof row['memory.used'] === 'number' && typeof row['memory.total'] === 'number' && row['memory.total'] > 0) {
      out[`system/gpu.${i}.memory_percent`] = (100 * row['memory.used']) / row['memory.total']
    }
    put('temperature_c', row['temperature.gpu'])
    put('power_w', row['power.draw'])
  })
  return out
}
