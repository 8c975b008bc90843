// Shared helpers for the benchmarks: medians, temp dirs, JSON-lines output.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export function tempDir(prefix = 'tally-bench-') {
  return mkdtempSync(join(tmpdir(), prefix))
}

export function cleanup(dir) {
  rmSync(dir, { recursive: true, force: true })
}

/** Print one result line: a name, the median, and every sample, so runs can be compared. */
export function report(name, unit, samples, extra = {}) {
  const line = { bench: name, unit, median: +median(samples).toPrecision(4), samples: samples.map((s) => +s.toPrecision(4)), ...extra }
  console.log(JSON.stringify(line))
  return line
}

export const runs = Number(process.env.BENCH_RUNS ?? 5)
