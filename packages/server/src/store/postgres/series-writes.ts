/**
 * Points of one ingest call into series and chunks, with a fixed number of statements per
 * call however many series and chunks it touches: the run's series are read once, the
 * stored chunks to extend or rewrite are read in one query, and the new chunks are written
 * in one multi-row INSERT, so a call costs a handful of round trips, not one per chunk.
 */
import { chunkEnd, decodeChunks, encodeChunk, mergePoints, type PointColumns, storedTime, valueStats } from '../chunks.js'
import { all, type Queryable, run, type SeriesRow, SQL } from './statements.js'

/** New chunks, column-wise as the upsert statement takes them; blobs end to end in one buffer. */
class ChunkBatch {
  readonly ids: number[] = []
  readonly first: number[] = []
  readonly last: number[] = []
  readonly n: number[] = []
  readonly min: number[] = []
  readonly max: number[] = []
  readonly lastValue: number[] = []
  readonly lastTime: number[] = []
  readonly at: number[] = []
  readonly len: number[] = []
  private readonly blobs: Buffer[] = []
  private bytes = 0

  /** Points (sorted, unique steps) of one series as chunks cut by `chunkEnd`. */
  add(seriesId: number, cols: PointColumns): void {
    const count = cols.steps.length
    for (let a = 0; a < count; ) {
      const b = chunkEnd(cols.steps, a, count)
      const stats = valueStats(cols.values, a, b)
      const data = encodeChunk(cols, a, b)
      this.ids.push(seriesId)
      this.first.push(cols.steps[a] as number)
      this.last.push(cols.steps[b - 1] as number)
      this.n.push(b - a)
      this.min.push(stats.min)
      this.max.push(stats.max)
      this.lastValue.push(stats.last)
      this.lastTime.push(storedTime(cols.times[b - 1] as number))
      this.at.push(this.bytes)
      this.len.push(data.length)
      this.blobs.push(data)
      this.bytes += data.length
      a = b
    }
  }

  get size(): number {
    return this.ids.length
  }

  async write(db: Queryable): Promise<void> {
    const blob = Buffer.concat(this.blobs, this.bytes)
    await run(db, SQL.upsertChunks, [
      this.ids,
      this.first,
      this.last,
      this.n,
      this.min,
      this.max,
      this.lastValue,
      blob,
      this.at,
      this.len,
      this.lastTime,
    ])
  }
}

/** Chunks read as base64 (see statements.ts), decoded into one set of columns. */
function decodeAll(base64: string[]): PointColumns {
  return decodeChunks(base64.map((b) => Buffer.from(b, 'base64')))
}

interface StoredChunk {
  first_step: number
  last_step: number
  data: string | null
}

/**
 * Store the gathered points of a run, the caller holding the run's row lock. Returns every
 * series of the run as it now stands (for the summary), by key.
 */
export async function writeSeries(db: Queryable, runId: string, pending: Map<string, PointColumns>): Promise<Map<string, SeriesRow>> {
  const series = new Map<string, SeriesRow>()
  for (const s of await all(db, SQL.seriesOfRun, [runId])) series.set(s.key, s)
  const batch = new ChunkBatch()
  const fresh: string[] = []
  const stored: SeriesRow[] = []
  for (const key of pending.keys()) {
    const s = series.get(key)
    if (s === undefined) fresh.push(key)
    else stored.push(s)
  }
  if (fresh.length > 0) {
    const cols = fresh.map((k) => pending.get(k) as PointColumns)
    const made = await all(db, SQL.insertSeries, [
      runId,
      fresh,
      cols.map((c) => c.steps.length),
      cols.map((c) => c.steps[0] as number),
      cols.map((c) => c.steps[c.steps.length - 1] as number),
      cols.map((c) => c.values[c.values.length - 1] as number),
    ])
    for (const { id, key } of made) {
      const c = pending.get(key) as PointColumns
      const m = c.steps.length
      series.set(key, {
        id,
        key,
        count: m,
        first_step: c.steps[0] as number,
        last_step: c.steps[m - 1] as number,
        last_value: c.values[m - 1] as number,
        rewrites: 0,
      })
      batch.add(id, c)
    }
  }
  if (stored.length > 0) await extendSeries(db, stored, pending, batch)
  if (batch.size > 0) await batch.write(db)
  if (stored.length > 0) {
    await run(db, SQL.updateSeries, [
      stored.map((s) => s.id),
      stored.map((s) => s.count),
      stored.map((s) => s.first_step),
      stored.map((s) => s.last_step),
      stored.map((s) => s.last_value),
      stored.map((s) => s.rewrites),
    ])
  }
  return series
}

/**
 * New points of series that have chunks: appended past the end (the tail chunk extended
 * while it has room), or merged into the chunks their steps touch (late points, or a
 * resumed run re-logging), which are deleted and written again. Updates `stored` in place.
 */
async function extendSeries(db: Queryable, stored: SeriesRow[], pending: Map<string, PointColumns>, batch: ChunkBatch): Promise<void> {
  const ranges = stored.map((s) => {
    const cols = pending.get(s.key) as PointColumns
    const lo = cols.steps[0] as number
    const hi = cols.steps[cols.steps.length - 1] as number
    // An append needs only the tail chunk: the one holding the last step.
    return lo > s.last_step ? { lo: s.last_step, hi: s.last_step, rewrite: false } : { lo, hi, rewrite: true }
  })
  const rows = await all(db, SQL.chunksToMerge, [
    stored.map((s) => s.id),
    ranges.map((r) => r.lo),
    ranges.map((r) => r.hi),
    ranges.map((r) => r.rewrite),
  ])
  const chunksOf = new Map<number, StoredChunk[]>()
  for (const r of rows) {
    const list = chunksOf.get(r.series_id)
    if (list === undefined) chunksOf.set(r.series_id, [r])
    else list.push(r)
  }
  const deletes = { ids: [] as number[], lo: [] as number[], hi: [] as number[] }
  for (const [i, s] of stored.entries()) {
    const cols = pending.get(s.key) as PointColumns
    const m = cols.steps.length
    const lo = cols.steps[0] as number
    const hi = cols.steps[m - 1] as number
    const chunks = chunksOf.get(s.id) ?? []
    if (!(ranges[i] as { rewrite: boolean }).rewrite) {
      const tail = chunks[chunks.length - 1]
      // A tail with room comes with its blob: re-encoded with the new points, it replaces itself.
      batch.add(s.id, tail?.data ? mergePoints(decodeAll([tail.data]), cols) : cols)
      s.count += m
    } else {
      const touched = chunks.filter((c) => c.last_step >= lo)
      const old = decodeAll(touched.map((c) => c.data as string))
      const merged = mergePoints(old, cols)
      const firstChunk = touched[0]
      const lastChunk = touched[touched.length - 1]
      if (firstChunk !== undefined && lastChunk !== undefined) {
        deletes.ids.push(s.id)
        deletes.lo.push(firstChunk.first_step)
        deletes.hi.push(lastChunk.first_step)
      }
      batch.add(s.id, merged)
      s.count += merged.steps.length - old.steps.length
      s.rewrites++
      s.first_step = Math.min(s.first_step, lo)
    }
    if (hi >= s.last_step) {
      s.last_step = hi
      s.last_value = cols.values[m - 1] as number
    }
  }
  if (deletes.ids.length > 0) await run(db, SQL.deleteChunks, [deletes.ids, deletes.lo, deletes.hi])
}
