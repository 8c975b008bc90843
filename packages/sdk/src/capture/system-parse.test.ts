import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
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

const fixture = (name: string): string => readFileSync(new URL(`../../../../test-fixtures/nvidia-smi/${name}`, import.meta.url), 'utf8')

describe('/proc parsers', () => {
  it('reads the aggregate cpu line and turns two readings into a busy percentage', () => {
    const before = parseProcStat('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\n')
    const after = parseProcStat('cpu  250 0 150 750 150 0 0 0 0 0\ncpu0 1 1 1 1 1 0 0 0 0 0\n')
    expect(before).toEqual({ idle: 800, total: 1000 })
    expect(after).toEqual({ idle: 900, total: 1300 })
    // 300 jiffies passed, 100 of them idle or waiting on I/O.
    expect(cpuPercent(before as NonNullable<typeof before>, after as NonNullable<typeof after>)).toBeCloseTo(200 / 3, 10)
    expect(cpuPercent({ idle: 1, total: 2 }, { idle: 1, total: 2 })).toBeUndefined()
    expect(parseProcStat('intr 1 2 3\n')).toBeUndefined()
  })

  it('reads MemTotal and MemAvailable, falling back to MemFree on old kernels', () => {
    expect(parseMeminfo('MemTotal:       24684092 kB\nMemFree:        22300244 kB\nMemAvailable:   24005316 kB\n')).toEqual({
      totalBytes: 24684092 * 1024,
      availableBytes: 24005316 * 1024,
    })
    expect(parseMeminfo('MemTotal: 1000 kB\nMemFree: 250 kB\n')).toEqual({ totalBytes: 1024000, availableBytes: 256000 })
    expect(parseMeminfo('')).toBeUndefined()
  })

  it('sums whole disks only: partitions, loop and device-mapper devices would count bytes twice', () => {
    const text = [
      '   7       0 loop0 9 0 9999 0 9 0 9999 0 0 0 0 0 0 0 0 0 0',
      '   8       0 sda 100 0 2000 10 50 0 4000 20 0 30 30 0 0 0 0 0 0',
      '   8       1 sda1 100 0 2000 10 50 0 4000 20 0 30 30 0 0 0 0 0 0',
      ' 259       0 nvme0n1 10 0 100 1 5 0 300 2 0 3 3 0 0 0 0 0 0',
      ' 259       1 nvme0n1p1 10 0 100 1 5 0 300 2 0 3 3 0 0 0 0 0 0',
      ' 253       0 dm-0 10 0 100 1 5 0 300 2 0 3 3 0 0 0 0 0 0',
    ].join('\n')
    expect(parseDiskstats(text)).toEqual({ in: (2000 + 100) * 512, out: (4000 + 300) * 512 })
  })

  it('sums every interface but loopback, and gives MB/s between two readings', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 18495946789 1971053    0    0    0     0          0         0 18495946789 1971053    0    0    0     0       0          0',
      '  eth0: 3000000 20 0 0 0 0 0 0 1000000 10 0 0 0 0 0 0',
      '  eth1:1000000 20 0 0 0 0 0 0 500000 10 0 0 0 0 0 0',
    ].join('\n')
    const c = parseNetDev(text)
    expect(c).toEqual({ in: 4_000_000, out: 1_500_000 })
    expect(mbPerSecond({ in: 0, out: 0 }, c, 2000)).toEqual({ in: 2, out: 0.75 })
    // Counters that went back (an interface reset) give no rate rather than a negative one.
    expect(mbPerSecond(c, { in: 0, out: 0 }, 1000)).toBeUndefined()
  })
})

describe('nvidia-smi parsing, against output recorded on an H100', () => {
  it('reads every field of the full query and takes [N/A] as not reported', () => {
    const fields =
      'index,name,uuid,utilization.gpu,utilization.memory,memory.total,memory.used,memory.free,temperature.gpu,power.draw,power.limit,clocks.sm,fan.speed'.split(
        ',',
      )
    const rows = parseGpuCsv(fixture('h100-query-gpu.csv'), fields)
    expect(rows).toEqual([
      {
        index: 0,
        name: 'NVIDIA H100 80GB HBM3',
        uuid: 'GPU-bf258f48-780d-3eff-4247-8db4825bbf61',
        'utilization.gpu': 0,
        'utilization.memory': 0,
        'memory.total': 81559,
        'memory.used': 0,
        'memory.free': 81079,
        'temperature.gpu': 54,
        'power.draw': 137.32,
        'power.limit': 700,
        'clocks.sm': 495,
      },
    ])
    expect(gpuMetrics(rows)).toEqual({
      'system/gpu.0.utilization_percent': 0,
      'system/gpu.0.memory_used_gb': 0,
      'system/gpu.0.memory_percent': 0,
      'system/gpu.0.temperature_c': 54,
      'system/gpu.0.power_w': 137.32,
    })
  })

  it("turns the sampler's own query into system/gpu.<i>.* values, leaving out what a board does not report", () => {
    expect(GPU_FIELDS).toEqual(['index', 'name', 'utilization.gpu', 'memory.used', 'memory.total', 'temperature.gpu', 'power.draw'])
    const text = '0, NVIDIA H100 80GB HBM3, 87, 40779, 81559, 61, 512.5\n1, NVIDIA H100 80GB HBM3, 3, 1024, 81559, 40, [N/A]\n'
    const values = gpuMetrics(parseGpuCsv(text, GPU_FIELDS))
    expect(values['system/gpu.0.utilization_percent']).toBe(87)
    expect(values['system/gpu.0.memory_used_gb']).toBeCloseTo((40779 * 1024 * 1024) / 1e9, 10)
    expect(values['system/gpu.0.memory_percent']).toBeCloseTo((100 * 40779) / 81559, 10)
    expect(values['system/gpu.0.power_w']).toBe(512.5)
    expect(values['system/gpu.1.temperature_c']).toBe(40)
    expect('system/gpu.1.power_w' in values).toBe(false)
    expect(parseGpuCsv('\n', GPU_FIELDS)).toEqual([])
  })
})
