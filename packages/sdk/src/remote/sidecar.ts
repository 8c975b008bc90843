/**
 * `<writerId>.sent.json` beside a writer's spool file: which server and workspace its records
 * go to (so `tally sync` knows, and a spool file without one was logged locally), and how
 * far that server has acknowledged them (a hint that saves re-reading the file; the server's
 * own `ackedSeq` always wins). The API key is never written here.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { MAGIC } from '../spool/format.js'
import { SPOOL_FILE_SUFFIX } from '../spool/reader.js'
import type { FilePosition } from './records.js'

const SIDECAR_SUFFIX = '.sent.json'

export interface Sidecar {
  serverUrl: string
  workspace: string
  /** Highest seq the server acknowledged, as last heard. */
  ackedSeq: number
  /** Byte offset just past the record `ackedSeq` in the spool file. */
  offset: number
}

/** `…/<writerId>.tsp` → `…/<writerId>.sent.json` */
export function sidecarPath(spoolFile: string): string {
  const name = basename(spoolFile, SPOOL_FILE_SUFFIX)
  return join(dirname(spoolFile), `${name}${SIDECAR_SUFFIX}`)
}

/** A whole number ≥ 0, as seqs, offsets and counts are. */
export const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** The sidecar of a spool file, or undefined when it has none or it is unreadable. */
export function readSidecar(spoolFile: string): Sidecar | undefined {
  let parsed: Partial<Record<keyof Sidecar, unknown>>
  try {
    parsed = JSON.parse(readFileSync(sidecarPath(spoolFile), 'utf8')) as Partial<Record<keyof Sidecar, unknown>>
  } catch {
    return undefined
  }
  const { serverUrl, workspace, ackedSeq, offset } = parsed ?? {}
  if (typeof serverUrl !== 'string' || typeof workspace !== 'string' || !isCount(ackedSeq) || !isCount(offset)) return undefined
  return { serverUrl, workspace, ackedSeq, offset }
}

/**
 * Replace the sidecar atomically (temporary file, then rename): a reader sees the old one or
 * the new one, never half of either. The temporary name carries the pid because a running
 * run and `tally sync` may both write it.
 */
export function writeSidecar(spoolFile: string, sidecar: Sidecar): void {
  const path = sidecarPath(spoolFile)
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
  writeFileSync(tmp, `${JSON.stringify(sidecar)}\n`)
  renameSync(tmp, path)
}

/** The position a sidecar vouches for, when it is about this server and workspace. */
export function sidecarHint(sidecar: Sidecar | undefined, serverUrl: string, workspace: string): FilePosition | undefined {
  if (!sidecar || sidecar.serverUrl !== serverUrl || sidecar.workspace !== workspace) return undefined
  // Records start 8-aligned, after the file header.
  if (sidecar.offset < MAGIC.length || sidecar.offset % 8 !== 0) return undefined
  return { offset: sidecar.offset, seq: sidecar.ackedSeq }
}
