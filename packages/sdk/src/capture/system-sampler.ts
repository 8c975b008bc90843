/**
 * System metrics every `intervalMs`, handed to `emit` as `system/*` values. Counters
 * (CPU time, disk and network bytes) become rates between two readings, so the first
 * sample comes a second after start, against a baseline read at start. GPUs are read by
 * running `nvidia-smi` asynchronously; without the binary there are no GPU values and no
 * error. The timer is unref'd: sampling never keeps a process alive.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, freemem, totalmem } from 'node:os'
import {
  type Counters,
  type CpuTimes,
  cpuPercent,
  GPU_FIELDS,
  gpuMetrics,
  mbPerSecond,
  parseDiskstats,
  parseGpuCsv,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
} from './system-parse.js'

const FIRST_SAMPLE_MS = 1000
const NVIDIA_SMI_TIMEOUT_MS = 5000

interface Reading {
  at: number
  cpu: CpuTimes | undefined
  disk: Counters | undefined
  net: Counters | undefined
}

export class SystemSampler {
  private timer: NodeJS.Timeout | undefined
  private last: Reading
  /** Off once nvidia-smi is missing or fails, so a GPU-less machine does not spawn it every tick. */
  private gpus = true
  private gpuBusy = false
  private stopped = false

  constructor(
    private readonly intervalMs: number,
    private readonly emit: (values: Record<string, number>, at: number) => void,
  ) {
    this.last = read()
    this.timer = setTimeout(() => this.sample(), Math.min(FIRST_SAMPLE_MS, intervalMs))
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private sample(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => this.sample(), this.intervalMs)
    this.timer.unref()
    try {
      const now = read()
      const values = hostMetrics(this.last, now)
      this.last = now
      this.emit(values, now.at)
    } catch {
      // A sample that cannot be read is skipped; the next one tries again.
    }
    this.sampleGpus()
  }

  private sampleGpus(): void {
    if (!this.gpus || this.gpuBusy) return
    this.gpuBusy = true
    queryGpus((rows) => {
      this.gpuBusy = false
      if (rows === undefined) {
        this.gpus = false
        return
      }
      const values = gpuMetrics(rows)
      if (!this.stopped && Object.keys(values).length > 0) this.emit(values, Date.now())
    })
  }
}

/** Run `nvidia-smi` for the sampler's fields; undefined when it is absent or fails. */
export function queryGpus(done: (rows: ReturnType<typeof parseGpuCsv> | undefined) => void): void {
  try {
    execFile(
      'nvidia-smi',
      [`--query-gpu=${GPU_FIELDS.join(',')}`, '--format=csv,noheader,nounits'],
      { timeout: NVIDIA_SMI_TIMEOUT_MS, windowsHide: true },
      (error, stdout) => done(error ? undefined : parseGpuCsv(stdout, GPU_FIELDS)),
    )
  } catch {
    done(undefined)
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

const linux = process.platform === 'linux'

function read(): Reading {
  const at = Date.now()
  if (!linux) return { at, cpu: osCpuTimes(), disk: undefined, net: undefined }
  const stat = readText('/proc/stat')
  const disk = readText('/proc/diskstats')
  const net = readText('/proc/net/dev')
  return {
    at,
    cpu: stat === undefined ? osCpuTimes() : parseProcStat(stat),
    disk: disk === undefined ? undefined : parseDiskstats(disk),
    net: net === undefined ? undefined : parseNetDev(net),
  }
}

/** Where /proc is not: node:os's per-core times, summed. */
function osCpuTimes(): CpuTimes {
  let idle = 0
  let total = 0
  for (const c of cpus()) {
    idle += c.times.idle
    total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq
  }
  return { idle, total }
}

function hostMetrics(before: Reading, after: Reading): Record<string, number> {
  const out: Record<string, number> = {}
  if (before.cpu && after.cpu) {
    const p = cpuPercent(before.cpu, after.cpu)
    if (p !== undefined) out['system/cpu_percent'] = p
  }
  const mem = (linux ? parseMeminfo(readText('/proc/meminfo') ?? '') : undefined) ?? {
    totalBytes: totalmem(),
    availableBytes: freemem(),
  }
  if (mem.totalBytes > 0) {
    out['system/memory_used_gb'] = (mem.totalBytes - mem.availableBytes) / 1e9
    out['system/memory_percent'] = (100 * (mem.totalBytes - mem.availableBytes)) / mem.totalBytes
  }
  const ms = after.at - before.at
  const disk = before.disk && after.disk ? mbPerSecond(before.disk, after.disk, ms) : undefined
  if (disk) {
    out['system/disk_read_mb_s'] = disk.in
    out['system/disk_write_mb_s'] = disk.out
  }
  const net = before.net && after.net ? mbPerSecond(before.net, after.net, ms) : undefined
  if (net) {
    out['system/net_recv_mb_s'] = net.in
    out['system/net_sent_mb_s'] = net.out
  }
  out['system/process_rss_mb'] = process.memoryUsage.rss() / 1e6
  return out
}
