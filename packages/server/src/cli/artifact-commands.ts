/**
 * `tally artifact ls PROJECT` and `tally artifact get NAME[:VERSION|:ALIAS]`: from the local
 * Tally directory, or from a server (`--server`, or `$TALLY_SERVER_URL`). `get` writes each
 * entry under the output folder, checking every file's sha256 as it arrives, and refuses an
 * entry path that would land outside that folder.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ArtifactEntryJson, ArtifactJson, ArtifactVersionJson } from '@tally/sdk'
import { TallyError } from '@tally/sdk'
import { checkArtifactName, checkEntryPath, toPlainJson } from '@tally/sdk/spool'
import { FsBlobStore } from '../blobs/fs-blob-store.js'
import { artifactJson, artifactVersionJson } from '../shapes.js'
import type { Store } from '../store/store.js'
import { formatTime, table } from './format.js'

export const ARTIFACT_OPTIONS = {
  project: { type: 'string' },
  out: { type: 'string' },
  server: { type: 'string' },
  'api-key': { type: 'string' },
  workspace: { type: 'string' },
} as const

export interface ArtifactCtx {
  io: { stdout: { write(s: string): boolean }; env: NodeJS.ProcessEnv }
  dir: string
  opts: Record<string, string | string[] | boolean | undefined>
  args: string[]
  json: boolean
  /** The local store, its spool ingested first. */
  localStore: () => Promise<Store>
}

/** Where artifacts are read from: the local store and blob folder, or a server's API. */
interface Source {
  list(project: string): Promise<ArtifactJson[]>
  version(project: string, name: string, ref: string): Promise<ArtifactVersionJson>
  bytes(v: ArtifactVersionJson, entry: Extract<ArtifactEntryJson, { kind: 'file' }>): Promise<Readable>
  close(): Promise<void>
}

const opt = (ctx: ArtifactCtx, name: string, env: string): string | undefined => {
  const v = ctx.opts[name]
  return typeof v === 'string' ? v : ctx.io.env[env] || undefined
}

export async function artifactCommand(ctx: ArtifactCtx): Promise<number> {
  const [action, target] = ctx.args
  if (action !== 'ls' && action !== 'get') {
    throw new TallyError('invalid_argument', `tally artifact takes ls or get; got ${JSON.stringify(action)}; see tally artifact --help`)
  }
  if (target === undefined)
    throw new TallyError('invalid_argument', `tally artifact ${action} needs ${action === 'ls' ? 'PROJECT' : 'NAME[:VERSION]'}`)
  const source = await openSource(ctx)
  try {
    return action === 'ls' ? await ls(ctx, source, target) : await get(ctx, source, target)
  } finally {
    await source.close()
  }
}

async function ls(ctx: ArtifactCtx, source: Source, project: string): Promise<number> {
  const list = await source.list(project)
  if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(list, null, 2)}\n`)
  else if (list.length === 0) ctx.io.stdout.write(`no artifacts in project ${project}; log one with run.logArtifact()\n`)
  else {
    const rows = list.map((a) => [
      a.name,
      a.type,
      a.latest,
      String(a.versions),
      a.updatedAt === null ? '' : formatTime(Date.parse(a.updatedAt)),
    ])
    ctx.io.stdout.write(`${table(['NAME', 'TYPE', 'LATEST', 'VERSIONS', 'UPDATED'], rows)}\n`)
  }
  return 0
}

async function get(ctx: ArtifactCtx, source: Source, target: string): Promise<number> {
  const colon = target.indexOf(':')
  const name = checkArtifactName(colon < 0 ? target : target.slice(0, colon))
  const ref = colon < 0 ? 'latest' : target.slice(colon + 1)
  const project = opt(ctx, 'project', 'TALLY_PROJECT') ?? 'default'
  const v = await source.version(project, name, ref)
  const out = resolve(typeof ctx.opts.out === 'string' ? ctx.opts.out : `${name}-${v.version}`)
  let files = 0
  const skipped: string[] = []
  for (const entry of v.entries) {
    const path = inside(out, entry.path)
    if (entry.kind === 'reference') {
      skipped.push(`${entry.path} → ${entry.uri}`)
      continue
    }
    await mkdir(dirname(path), { recursive: true })
    if (entry.kind === 'object') await writeFile(path, JSON.stringify(toPlainJson(entry.value), null, 2))
    else await download(await source.bytes(v, entry), path, entry.sha256)
    files++
  }
  if (ctx.json) ctx.io.stdout.write(`${JSON.stringify({ ...v, out }, null, 2)}\n`)
  else {
    ctx.io.stdout.write(`${v.name}:${v.version} (${v.type}): ${files} file(s) written to ${out}\n`)
    for (const s of skipped) ctx.io.stdout.write(`  reference, not downloaded: ${s}\n`)
  }
  return 0
}

/** The entry's place under `out`; an entry that would land outside it is refused. */
function inside(out: string, entryPath: string): string {
  const path = resolve(out, ...checkEntryPath(entryPath).split('/'))
  if (!path.startsWith(out + sep))
    throw new TallyError('invalid_path', `artifact path ${JSON.stringify(entryPath)} would be written outside ${out}; refused`)
  return path
}

/** Write the bytes to a temporary file beside `path`, checking their sha256, then move it in place. */
async function download(bytes: Readable, path: string, sha256: string): Promise<void> {
  const tmp = `${path}.tally-${randomBytes(4).toString('hex')}`
  const hash = createHash('sha256')
  try {
    await pipeline(
      bytes,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk)
          yield chunk
        }
      },
      createWriteStream(tmp),
    )
    const got = hash.digest('hex')
    if (got !== sha256) throw new TallyError('digest_mismatch', `${path}: the bytes received hash to ${got}, not ${sha256}; try again`)
    await rename(tmp, path)
  } catch (e) {
    await unlink(tmp).catch(() => undefined)
    throw e
  }
}

async function openSource(ctx: ArtifactCtx): Promise<Source> {
  const server = opt(ctx, 'server', 'TALLY_SERVER_URL')
  const workspace = opt(ctx, 'workspace', 'TALLY_WORKSPACE') ?? 'default'
  if (server === undefined) {
    const store = await ctx.localStore()
    const blobs = new FsBlobStore(join(ctx.dir, 'blobs'))
    return {
      list: async (project) => (await store.listArtifacts(project, workspace)).map(artifactJson),
      version: async (project, name, ref) => {
        const v = await store.getArtifact(project, name, ref, workspace)
        if (v === undefined)
          throw new TallyError('not_found', `no artifact ${name}:${ref} in project ${project}; tally artifact ls ${project} lists them`)
        return artifactVersionJson(v)
      },
      bytes: async (v, entry) => {
        const s = await blobs.open(v.workspace, entry.sha256)
        if (s === undefined)
          throw new TallyError('not_found', `the bytes of ${entry.path} (blob ${entry.sha256}) are not in ${join(ctx.dir, 'blobs')}`)
        return s
      },
      close: () => store.close(),
    }
  }
  const key = opt(ctx, 'api-key', 'TALLY_API_KEY')
  const base = `${server.replace(/\/+$/, '')}/api/v1/workspaces/${encodeURIComponent(workspace)}/projects/`
  const call = async (url: string): Promise<Response> => {
    let res: Response
    try {
      res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} })
    } catch (e) {
      throw new TallyError('server_unreachable', `cannot reach ${server} (${(e as Error).message}); check --server`, { cause: e })
    }
    if (res.ok) return res
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined
    const code =
      body?.error?.code === 'not_found' || res.status === 404
        ? 'not_found'
        : res.status === 401
          ? 'unauthorized'
          : res.status === 403
            ? 'forbidden'
            : 'server_unreachable'
    throw new TallyError(code, `${server}: ${body?.error?.message ?? `HTTP ${res.status}`}`)
  }
  const artifactUrl = (project: string, name: string, ref: string): string =>
    `${base}${encodeURIComponent(project)}/artifacts/${encodeURIComponent(name)}/${encodeURIComponent(ref)}`
  return {
    list: async (project) => (await (await call(`${base}${encodeURIComponent(project)}/artifacts`)).json()) as ArtifactJson[],
    version: async (project, name, ref) => (await (await call(artifactUrl(project, name, ref))).json()) as ArtifactVersionJson,
    bytes: async (v, entry) => {
      const res = await call(
        `${artifactUrl(v.project, v.name, v.version)}/files/${entry.path.split('/').map(encodeURIComponent).join('/')}`,
      )
      if (res.body === null) throw new TallyError('server_unreachable', `${server} sent no bytes for ${entry.path}`)
      return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>)
    },
    close: async () => undefined,
  }
}
