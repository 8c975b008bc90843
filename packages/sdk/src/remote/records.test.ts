import { appendFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeRecords } from '../spool/codec.js'
import { MAGIC, type PointsBatch } from '../spool/format.js'
import { SpoolWriter } from '../spool/writer.js'
import { FILE_START, findOffset, readSlice, seqAt, sliceRecords } from './records.js'

function rows(n: number, from = 0): PointsBatch {
  const steps = Float64Array.from({ length: n }, (_, i) => from + i)
  return {
    keys: ['loss'],
    steps,
    times: steps.map((s) => 1.7e12 + s),
    counts: new Uint32Array(n).fill(1),
    keyIndex: new Uint32Array(n),
    values: steps.map((s) => s / 2),
  }
}

/** A spool file with a run-ish event, then points records of the given row counts. */
function spoolFile(sizes: number[]): { path: string; ends: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'tally-records-'))
  const w = new SpoolWriter(dir, 'run1', 'writer1')
  const ends: number[] = []
  w.event({ type: 'heartbeat', at: 1 })
  w.commit()
  ends.push(readFileSync(w.path).length)
  let step = 0
  for (const n of sizes) {
    w.points(rows(n, step))
    step += n
    w.commit()
    ends.push(readFileSync(w.path).length)
  }
  w.close()
  return { path: w.path, ends }
}

const seqsOf = (bytes: Buffer): number[] => decodeRecords(Buffer.from(bytes)).records.map((r) => r.seq)

describe('record slicing', () => {
  it('cuts whole records, in order, byte for byte as in the file', async () => {
    const { path, ends } = spoolFile([10, 20, 30])
    const slice = await readSlice(path, MAGIC.length, 1 << 20)
    expect(slice.count).toBe(4)
    expect(slice.lastSeq).toBe(4)
    expect(slice.bytes.equals(readFileSync(path).subarray(MAGIC.length))).toBe(true)
    expect(MAGIC.length + slice.bytes.length).toBe(ends[3])
    expect(seqsOf(slice.bytes)).toEqual([1, 2, 3, 4])
  })

  it('stays within the byte budget, yet always takes one record, however large', async () => {
    const { path, ends } = spoolFile([10, 5000, 10])
    const first = await readSlice(path, MAGIC.length, (ends[1] as number) - MAGIC.length + 8)
    expect(seqsOf(first.bytes)).toEqual([1, 2])
    const big = await readSlice(path, ends[1] as number, 1024)
    expect(big.count).toBe(1)
    expect(big.lastSeq).toBe(3)
    expect(big.bytes.length).toBeGreaterThan(1024)
    expect(seqsOf(big.bytes)).toEqual([3])
  })

  it('leaves a record that is still being written for later', async () => {
    const { path, ends } = spoolFile([10, 10])
    truncateSync(path, (ends[2] as number) - 3)
    const slice = await readSlice(path, MAGIC.length, 1 << 20)
    expect(seqsOf(slice.bytes)).toEqual([1, 2])
    expect(slice.damaged).toBeUndefined()
    expect((await readSlice(path, ends[1] as number, 1 << 20)).count).toBe(0)
  })

  it('never sends a damaged record, nor anything after it', () => {
    const { path, ends } = spoolFile([10, 10, 10])
    const bytes = readFileSync(path).subarray(MAGIC.length)
    const at = (ends[1] as number) - MAGIC.length + 40
    bytes[at] = (bytes[at] ?? 0) ^ 0xff
    const slice = sliceRecords(bytes, 1 << 20)
    expect(seqsOf(slice.bytes)).toEqual([1, 2])
    expect(slice.damaged).toMatch(/checksum/)
  })

  it('reports a bad record length as damage', () => {
    const { path } = spoolFile([10])
    appendFileSync(path, Buffer.alloc(24))
    const slice = sliceRecords(readFileSync(path).subarray(MAGIC.length), 1 << 20)
    expect(slice.count).toBe(2)
    expect(slice.damaged).toMatch(/bad record length 0/)
  })
})

describe('finding the record after an acknowledged seq', () => {
  it('walks headers to the offset just past a seq', async () => {
    const { path, ends } = spoolFile([10, 20, 30, 40])
    expect(await findOffset(path, 0)).toEqual(FILE_START)
    for (let seq = 1; seq <= 5; seq++) expect(await findOffset(path, seq)).toEqual({ offset: ends[seq - 1], seq })
  })

  it('starts from a known position and stops at the end of the whole records', async () => {
    const { path, ends } = spoolFile([10, 20, 30])
    expect(await findOffset(path, 3, { offset: ends[0] as number, seq: 1 })).toEqual({ offset: ends[2], seq: 3 })
    expect(await findOffset(path, Number.POSITIVE_INFINITY)).toEqual({ offset: ends[3], seq: 4 })
    truncateSync(path, (ends[3] as number) - 1)
    expect(await findOffset(path, 99)).toEqual({ offset: ends[2], seq: 3 })
  })

  it('jumps over records larger than its read chunk', async () => {
    const { path, ends } = spoolFile([30_000, 30_000, 5])
    expect(await findOffset(path, 3)).toEqual({ offset: ends[2], seq: 3 })
    expect(await findOffset(path, Number.POSITIVE_INFINITY)).toEqual({ offset: ends[3], seq: 4 })
  })

  it('tells the seq at an offset, or that the file ends there', async () => {
    const { path, ends } = spoolFile([10, 10])
    expect(await seqAt(path, ends[0] as number)).toBe(2)
    expect(await seqAt(path, ends[2] as number)).toBe('end')
    expect(await seqAt(path, (ends[2] as number) + 8)).toBeUndefined()
  })

  it('is not fooled by a file that is not a spool file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-records-'))
    const path = join(dir, 'x.tsp')
    writeFileSync(path, 'TSPOOL1\nnot records at all, just text')
    expect(await findOffset(path, 5)).toEqual(FILE_START)
    expect((await readSlice(path, MAGIC.length, 1024)).damaged).toBeDefined()
  })
})
