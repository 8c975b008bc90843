import type { PointsBatch } from './spool/format.js'

/**
 * The in-memory batch `run.log` appends to: column-wise typed arrays that grow by doubling,
 * so a log call allocates nothing in the steady state. Keys get run-wide ids; `take()`
 * renumbers the ones a batch uses so each spool record carries its own key table.
 */
export class PointBuffer {
  private readonly keys: string[] = []
  private readonly ids = new Map<string, number>()
  private steps = new Float64Array(256)
  private times = new Float64Array(256)
  private counts = new Uint32Array(256)
  private keyIndex = new Uint32Array(4096)
  private values = new Float64Array(4096)
  private localIds = new Int32Array(64).fill(-1)
  private rowStart = 0
  rows = 0
  points = 0

  keyId(key: string): number | undefined {
    return this.ids.get(key)
  }

  addKey(key: string): number {
    const id = this.keys.length
    this.keys.push(key)
    this.ids.set(key, id)
    return id
  }

  beginRow(step: number, time: number): void {
    if (this.rows === this.steps.length) {
      this.steps = grow(this.steps, this.rows * 2)
      this.times = grow(this.times, this.rows * 2)
      this.counts = grow(this.counts, this.rows * 2)
    }
    this.steps[this.rows] = step
    this.times[this.rows] = time
    this.rowStart = this.points
  }

  /** Only between beginRow and endRow. */
  push(keyId: number, value: number): void {
    if (this.points === this.values.length) {
      this.keyIndex = grow(this.keyIndex, this.points * 2)
      this.values = grow(this.values, this.points * 2)
    }
    this.keyIndex[this.points] = keyId
    this.values[this.points++] = value
  }

  endRow(): void {
    this.counts[this.rows++] = this.points - this.rowStart
  }

  /** Forget the row begun last, so a log call that throws leaves nothing behind. */
  abortRow(): void {
    this.points = this.rowStart
  }

  /**
   * The batch so far, with a key table of only the keys it uses, then empty the buffer.
   * The arrays are views into the buffer: encode them before the next `beginRow`.
   */
  take(): PointsBatch {
    if (this.localIds.length < this.keys.length) this.localIds = new Int32Array(this.keys.length * 2).fill(-1)
    const local = this.localIds
    const keys: string[] = []
    const used: number[] = []
    const keyIndex = this.keyIndex.subarray(0, this.points)
    for (let i = 0; i < keyIndex.length; i++) {
      const id = keyIndex[i] as number
      let l = local[id] as number
      if (l < 0) {
        l = keys.length
        local[id] = l
        used.push(id)
        keys.push(this.keys[id] as string)
      }
      keyIndex[i] = l
    }
    for (const id of used) local[id] = -1
    const batch: PointsBatch = {
      keys,
      steps: this.steps.subarray(0, this.rows),
      times: this.times.subarray(0, this.rows),
      counts: this.counts.subarray(0, this.rows),
      keyIndex,
      values: this.values.subarray(0, this.points),
    }
    this.rows = 0
    this.points = 0
    return batch
  }
}

function grow<T extends Float64Array | Uint32Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size)
  b.set(a)
  return b
}
