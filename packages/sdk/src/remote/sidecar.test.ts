import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readSidecar, type Sidecar, sidecarHint, sidecarPath, writeSidecar } from './sidecar.js'

const spoolFile = (): string => join(mkdtempSync(join(tmpdir(), 'tally-sidecar-')), 'abc123.tsp')
const sidecar: Sidecar = { serverUrl: 'http://127.0.0.1:8080', workspace: 'ml', ackedSeq: 41, offset: 4096 }

describe('sidecar', () => {
  it('sits beside the spool file, named for its writer', () => {
    expect(sidecarPath('/t/spool/run1/abc123.tsp')).toBe('/t/spool/run1/abc123.sent.json')
  })

  it('round-trips, and replaces the old one atomically without leaving temporary files', () => {
    const path = spoolFile()
    expect(readSidecar(path)).toBeUndefined()
    writeSidecar(path, { ...sidecar, ackedSeq: 1, offset: 64 })
    writeSidecar(path, sidecar)
    expect(readSidecar(path)).toEqual(sidecar)
    expect(JSON.parse(readFileSync(sidecarPath(path), 'utf8'))).toEqual(sidecar)
    expect(readdirSync(join(path, '..'))).toEqual(['abc123.sent.json'])
  })

  it('ignores a sidecar that is damaged or of the wrong shape', () => {
    const path = spoolFile()
    for (const text of [
      '{',
      'null',
      '[]',
      '{"serverUrl":"x","workspace":"w","ackedSeq":-1,"offset":8}',
      '{"serverUrl":"x","workspace":"w","ackedSeq":1}',
    ]) {
      writeFileSync(sidecarPath(path), text)
      expect(readSidecar(path)).toBeUndefined()
    }
  })

  it('gives a position hint only for the same server and workspace', () => {
    expect(sidecarHint(sidecar, sidecar.serverUrl, 'ml')).toEqual({ offset: 4096, seq: 41 })
    expect(sidecarHint(sidecar, 'http://elsewhere', 'ml')).toBeUndefined()
    expect(sidecarHint(sidecar, sidecar.serverUrl, 'other')).toBeUndefined()
    expect(sidecarHint({ ...sidecar, offset: 4097 }, sidecar.serverUrl, 'ml')).toBeUndefined()
    expect(sidecarHint({ ...sidecar, offset: 0 }, sidecar.serverUrl, 'ml')).toBeUndefined()
    expect(sidecarHint(undefined, sidecar.serverUrl, 'ml')).toBeUndefined()
  })
})
