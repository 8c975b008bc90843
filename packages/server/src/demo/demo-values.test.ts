import { crc32, inflateSync } from 'node:zlib'
import { sniffImage } from '@tally/sdk/spool'
import { describe, expect, it } from 'vitest'
import { PAST_RUNS } from './demo-project.js'
import { demoValues, encodePng, samplesPng } from './demo-values.js'

/** The chunks of a PNG, each checked against its CRC. */
function chunks(png: Buffer): { type: string; data: Buffer }[] {
  const out: { type: string; data: Buffer }[] = []
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at)
    const typeAndData = png.subarray(at + 4, at + 8 + length)
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData))
    out.push({ type: typeAndData.subarray(0, 4).toString('latin1'), data: typeAndData.subarray(4) })
    at += 12 + length
  }
  return out
}

describe('encodePng', () => {
  it('writes a PNG whose chunks check and whose pixels read back', () => {
    const png = encodePng(2, 1, (x) => (x === 0 ? [255, 0, 0] : [0, 0, 255]))
    expect(sniffImage(png)).toBe('image/png')
    const parts = chunks(png)
    expect(parts.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND'])
    expect([parts[0]?.data.readUInt32BE(0), parts[0]?.data.readUInt32BE(4)]).toEqual([2, 1])
    expect([...inflateSync(parts[1]?.data as Buffer)]).toEqual([0, 255, 0, 0, 0, 0, 255])
  })

  it('draws the same samples for the same seed', () => {
    expect(samplesPng(3).equals(samplesPng(3))).toBe(true)
    expect(samplesPng(3).equals(samplesPng(4))).toBe(false)
  })
})

describe('demoValues', () => {
  it('logs a note, weights every 500 steps, and predictions and samples when the run finished', () => {
    const setup = (PAST_RUNS[0] as (typeof PAST_RUNS)[number]).setup
    const done = demoValues(setup, 1999, true, (s) => s)
    expect(done.map((e) => `${e.key}@${e.step}`)).toEqual([
      'notes@0',
      'weights/fc1@0',
      'weights/fc1@500',
      'weights/fc1@1000',
      'weights/fc1@1500',
      'eval/predictions@1999',
      'samples@1999',
    ])
    expect(
      Buffer.from(done[6]?.data ?? '', 'base64')
        .subarray(0, 4)
        .toString('latin1'),
    ).toBe('\u0089PNG')
    expect(demoValues(setup, 870, false, (s) => s).map((e) => e.key)).toEqual(['notes', 'weights/fc1', 'weights/fc1'])
  })
})
