/**
 * The Tracelet facade end to end: the seed's documented usage, written in TypeScript, logs
 * locally and reads back through the CLI's store exactly; TRACELET_* settings and
 * ExperimentConfig flags reach the run; a custom backend gets the same calls as Tally's.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TraceletBackend } from '@tally/sdk/tracelet'
import {
  ArtifactType,
  Experiment,
  getActiveExperiment,
  registerBackend,
  startLogging,
  stopLogging,
  TraceletArtifact,
  unregisterBackend,
} from '@tally/sdk/tracelet'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from '../app/app.js'
import { keysFor } from '../app/test-app.js'
import { openSqliteStore } from '../store/sqlite/sqlite-store.js'
import { cli, cliJson, freshDir } from './test-helpers.js'

interface RunJson {
  id: string
  name: string
  status: string
  tags: string[]
  config: Record<string, unknown>
  summary: Record<string, unknown>
}
interface SeriesJson {
  steps: number[]
  values: number[]
}

const ENV = ['TALLY_DIR', 'TRACELET_PROJECT', 'TRACELET_BACKEND', 'TRACELET_TRACK_ENV', 'TRACELET_TRACK_GIT', 'TRACELET_TRACK_SYSTEM']
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]))
const servers: FastifyInstance[] = []
afterEach(async () => {
  await stopLogging()
  for (const app of servers.splice(0)) await app.close()
  unregisterBackend('probe')
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})

/** Quiet, and without system sampling or console capture, which these tests do not read. */
const QUIET = { quiet: true, config: { trackSystem: false } } as const

describe("the seed's usage, locally", () => {
  it('basic usage: startLogging, logParams, logMetric, logArtifact of a path, stopLogging', async () => {
    const dir = freshDir()
    process.env.TALLY_DIR = dir
    writeFileSync(join(dir, 'model.pth'), 'weights')
    // The seed's backend: Tally has no MLflow backend, so the data goes to Tally, and it says so.
    const notices: string[] = []
    const write = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((chunk: string) => notices.push(String(chunk)) > 0) as typeof process.stderr.write
    let experiment: ReturnType<typeof startLogging>
    try {
      experiment = startLogging('my_experiment', { project: 'my_project', backend: ['mlflow', 'wandb'], config: { trackSystem: false } })
    } finally {
      process.stderr.write = write
    }
    expect(experiment.backends.map((b) => b.name)).toEqual(['tally'])
    expect(notices.join('')).toMatch(/Tally has no mlflow backend yet; this experiment's mlflow data goes to Tally/)
    expect(getActiveExperiment()).toBe(experiment)
    experiment.logMetric('loss', 0.5, 0)
    experiment.logMetric('accuracy', 0.95, 0)
    experiment.logParams({ learning_rate: 0.01, batch_size: 32 })
    const results = await experiment.logArtifact(join(dir, 'model.pth'))
    expect(results.tally).toMatchObject({ backend: 'tally', version: 'v0', uri: 'tally://my_project/model.pth:v0' })
    await stopLogging()
    expect(getActiveExperiment()).toBeNull()

    const [run] = await cliJson<(RunJson & { system: Record<string, unknown> })[]>(['runs', 'my_project'], dir)
    expect(run).toMatchObject({
      id: experiment.id,
      name: 'my_experiment',
      status: 'finished',
      config: { learning_rate: 0.01, batch_size: 32 },
      summary: { loss: 0.5, accuracy: 0.95 },
    })
    // Left to their defaults, git and the environment are captured (the Experiment test switches them off).
    expect(run?.system).toHaveProperty('git')
    expect(run?.system).toHaveProperty('env')
    expect(await cliJson<SeriesJson>(['series', experiment.id, 'loss'], dir)).toMatchObject({ steps: [0], values: [0.5] })
    const artifacts = await cliJson<{ name: string; type: string; latest: string }[]>(['artifact', 'ls', 'my_project'], dir)
    expect(artifacts).toEqual([expect.objectContaining({ name: 'model.pth', type: 'custom', latest: 'v0' })])
  })

  it('context manager usage: await using stops the experiment', async () => {
    const dir = freshDir()
    let id = ''
    {
      await using exp = startLogging('context_experiment', { backend: 'mlflow', dir, ...QUIET })
      id = exp.id
      for (let epoch = 0; epoch < 10; epoch++) exp.logMetric('loss', 1 / (epoch + 1), epoch)
    }
    const [run] = await cliJson<RunJson[]>(['runs', 'default'], dir)
    expect(run).toMatchObject({ id, name: 'context_experiment', status: 'finished' })
    const loss = await cliJson<SeriesJson>(['series', id, 'loss'], dir)
    expect(loss.steps).toEqual(Array.from({ length: 10 }, (_, i) => i))
    expect(loss.values).toEqual(Array.from({ length: 10 }, (_, i) => 1 / (i + 1)))
  })

  it('the Experiment class: iteration, params, captures, an artifact builder, read back', async () => {
    const dir = freshDir()
    const src = freshDir()
    writeFileSync(join(src, 'w.bin'), 'weights v0')
    const exp = new Experiment('full', {
      dir,
      quiet: true,
      tags: ['baseline', 'cnn'],
      config: { trackSystemMetrics: false, trackGit: false, trackEnvironment: false, trackStdout: false },
    })
    expect(() => exp.logMetric('loss', 1)).toThrow(/not started; call start\(\) first/)
    exp.start()
    exp.setIteration(3)
    expect(exp.iteration).toBe(3)
    exp.logMetric('loss', 0.3)
    exp.logMetric('loss', 0.2, 7)
    exp.logHyperparameter('lr', 0.01)
    const lr = 0.001
    const batchSize = 64
    expect(exp.captureHyperparams({ lr, batchSize, layers: [1, 2] })).toEqual({ lr: 0.001, batchSize: 64 })
    expect(exp.captureModel({ w: [1, 2, 3], b: [0] })).toMatchObject({ parameters: 4, layers: 2 })
    expect(exp.captureDataset([{ x: 1, y: 0 }])).toEqual({ type: 'array', size: 1, sample: { type: 'Object', fields: ['x', 'y'] } })

    const model = exp
      .createArtifact('resnet', ArtifactType.MODEL, 'after epoch 7')
      .addFile(join(src, 'w.bin'), 'weights/w.bin', 'the weights')
      .addObject({ lr: 0.001 }, 'cfg.json')
      .addReference('s3://bucket/data.tar', 1000, 'training data')
      .addModel({ head: [1, 2] }, 'plain')
    expect(model).toBeInstanceOf(TraceletArtifact)
    const logged = await exp.logArtifact(model)
    await exp.logArtifact(exp.createArtifact('notes', ArtifactType.REPORT).addObject('hello', 'notes.json'))

    const back = await exp.getArtifact('resnet')
    expect(back?.toDict()).toMatchObject({
      name: 'resnet',
      type: 'model',
      description: 'after epoch 7',
      sizeBytes: 'weights v0'.length + 1000,
      metadata: { framework: 'plain' },
      files: [{ artifactPath: 'weights/w.bin', description: 'the weights', sizeBytes: 10, localPath: join(src, 'w.bin') }],
      references: [{ uri: 's3://bucket/data.tar', sizeBytes: 1000, description: 'training data' }],
    })
    expect(back?.objects.map((o) => o.name).sort()).toEqual(['cfg.json', 'model.json'])
    expect(logged.tally?.version).toBe('v0')
    expect(exp.experimentId).toBe(exp.id)
    // Logged, the builder knows its files' sizes and checksums.
    expect(model.files[0]).toMatchObject({ sizeBytes: 10, checksum: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(model.sizeBytes).toBe(10 + 1000)
    // Two references ending alike each keep a path; `metadata.tracelet` is Tally's, and says so.
    const refs = exp.createArtifact('shards', ArtifactType.DATASET).addReference('s3://a/data.tar').addReference('s3://b/data.tar')
    await exp.logArtifact(refs)
    expect((await exp.getArtifact('shards'))?.references.map((r) => r.uri)).toEqual(['s3://a/data.tar', 's3://b/data.tar'])
    const reserved = exp.createArtifact('mine', ArtifactType.CUSTOM).addObject({}, 'x.json')
    reserved.metadata.tracelet = 'mine'
    await expect(exp.logArtifact(reserved)).rejects.toThrow(/metadata key "tracelet"/)
    expect(await exp.getArtifact('resnet', 'v0')).toMatchObject({ version: 'v0', aliases: ['latest'] })
    expect(await exp.getArtifact('resnet', String(logged.tally?.metadata.digest))).not.toBeNull()
    expect(await exp.getArtifact('missing')).toBeNull()
    expect((await exp.listArtifacts()).map((a) => a.name)).toEqual(['resnet', 'notes', 'shards'])
    expect((await exp.listArtifacts(ArtifactType.REPORT)).map((a) => a.name)).toEqual(['notes'])
    await exp.end()

    // Another experiment of the project reads those versions back and adds v1; its reads see
    // the earlier run's files in this machine's blob store.
    writeFileSync(join(src, 'w.bin'), 'weights v1')
    const next = new Experiment('next', {
      dir,
      quiet: true,
      config: { trackSystemMetrics: false, trackGit: false, trackStdout: false },
    }).start()
    const earlier = await next.getArtifact('resnet')
    expect(earlier).toMatchObject({ version: 'v0', aliases: ['latest'] })
    expect(readFileSync(earlier?.files[0]?.localPath ?? '', 'utf8')).toBe('weights v0')
    const v1 = await next.logArtifact(next.createArtifact('resnet', ArtifactType.MODEL).addFile(join(src, 'w.bin'), 'weights/w.bin'))
    expect(v1.tally).toMatchObject({ version: 'v1', uri: 'tally://default/resnet:v1' })
    expect(await next.getArtifact('resnet')).toMatchObject({ version: 'v1', aliases: ['latest'] })
    expect((await next.getArtifact('resnet', 'v0'))?.files[0]?.sizeBytes).toBe(10)
    expect((await next.listArtifacts(ArtifactType.MODEL)).map((a) => `${a.name}:${a.version}`)).toEqual(['resnet:v0', 'resnet:v1'])
    await next.end()
    expect(() => exp.logMetric('loss', 1)).toThrow(/is stopped/)

    const runs = await cliJson<(RunJson & { system: Record<string, unknown> })[]>(['runs', 'default'], dir)
    const run = runs.find((r) => r.id === exp.id)
    expect(run).toMatchObject({
      id: exp.id,
      tags: ['baseline', 'cnn'],
      config: {
        lr: 0.001,
        batchSize: 64,
        model: { type: 'Object', parameters: 4, layers: 2 },
        dataset: { type: 'array', size: 1 },
      },
    })
    // The ExperimentConfig flags reached init: no git, no environment; argv was left on.
    expect(Object.keys(run?.system ?? {})).not.toContain('git')
    expect(Object.keys(run?.system ?? {})).not.toContain('env')
    expect(run?.system).toHaveProperty('argv')
    expect(await cliJson<SeriesJson>(['series', exp.id, 'loss'], dir)).toMatchObject({ steps: [3, 7], values: [0.3, 0.2] })
    const out = join(freshDir(), 'resnet')
    expect(await cli(['artifact', 'get', 'resnet:v0', '--project', 'default', '--out', out], dir)).toMatchObject({ code: 0 })
    expect(readFileSync(join(out, 'weights', 'w.bin'), 'utf8')).toBe('weights v0')
    // The store, filling from the spool afterwards, numbers the two runs' versions as they did.
    const latest = join(freshDir(), 'latest')
    expect(await cli(['artifact', 'get', 'resnet:latest', '--project', 'default', '--out', latest], dir)).toMatchObject({ code: 0 })
    expect(readFileSync(join(latest, 'weights', 'w.bin'), 'utf8')).toBe('weights v1')
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'))).toEqual({ head: [1, 2] })
  })
})

describe('remote mode', () => {
  it('logs to a team server, artifact included, and reads back through its API', async () => {
    const home = freshDir()
    const store = openSqliteStore(join(home, 'server.db'))
    const app = await createApp({ store, config: { mode: 'team', blobDir: join(home, 'blobs') } })
    await app.listen({ host: '127.0.0.1', port: 0 })
    servers.push(app)
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    const { writer, viewer } = await keysFor(store, 'default')
    writeFileSync(join(home, 'model.pth'), 'remote weights')
    const exp = startLogging('remote', { serverUrl: url, apiKey: writer, dir: join(home, 'client'), ...QUIET })
    exp.logMetric('loss', 0.5, 0)
    exp.logParams({ lr: 0.1 })
    const logged = await exp.logArtifact(exp.createArtifact('weights', ArtifactType.WEIGHTS).addFile(join(home, 'model.pth')))
    expect(logged.tally).toMatchObject({ version: 'v0' })
    expect(await exp.getArtifact('weights')).toMatchObject({ version: 'v0', aliases: ['latest'] })
    expect((await exp.getArtifact('weights'))?.files[0]?.sizeBytes).toBe(14)
    await stopLogging()
    // Another client, with a spool of its own, sees the version through the server.
    const other = startLogging('reader', { serverUrl: url, apiKey: writer, dir: join(home, 'other'), ...QUIET })
    expect((await other.listArtifacts()).map((a) => `${a.name}:${a.version}`)).toEqual(['weights:v0'])
    await stopLogging()
    const get = async (path: string) => {
      const res = await fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${viewer}` } })
      expect({ path, status: res.status }).toEqual({ path, status: 200 })
      return res.json()
    }
    expect(await get(`/runs/${exp.id}`)).toMatchObject({ name: 'remote', status: 'finished', config: { lr: 0.1 } })
    expect(await get('/workspaces/default/projects/default/artifacts/weights/latest')).toMatchObject({
      version: 'v0',
      type: 'weights',
      runId: exp.id,
      entries: [{ kind: 'file', path: 'model.pth', size: 14 }],
    })
    await store.close()
  })
})

describe('settings and backends', () => {
  it('TRACELET_* choose the project, the backends and the captures', async () => {
    const dir = freshDir()
    const seen: string[] = []
    registerBackend('probe', (ctx) => probe(seen, ctx.capture))
    Object.assign(process.env, {
      TALLY_DIR: dir,
      TRACELET_PROJECT: 'from-env',
      TRACELET_BACKEND: 'tally,probe',
      TRACELET_TRACK_ENV: 'false',
      TRACELET_TRACK_GIT: '0',
      TRACELET_TRACK_SYSTEM: 'off',
    })
    const exp = startLogging('env-run', { quiet: true })
    expect(exp.backends.map((b) => b.name)).toEqual(['tally', 'probe'])
    exp.logMetric('acc', 0.9, 2)
    exp.logParams({ opt: 'sgd' })
    await exp.logArtifact(exp.createArtifact('cfg', ArtifactType.CONFIG).addObject({ a: 1 }, 'a.json'))
    await stopLogging()
    expect(seen).toEqual(['capture {"system":false,"git":false,"env":false}', 'acc=0.9@2', 'params {"opt":"sgd"}', 'artifact cfg', 'stop'])
    const [run] = await cliJson<(RunJson & { system: Record<string, unknown> })[]>(['runs', 'from-env'], dir)
    expect(run).toMatchObject({ id: exp.id, config: { opt: 'sgd' }, summary: { acc: 0.9 } })
    expect(Object.keys(run?.system ?? {})).not.toContain('env')
    expect(Object.keys(run?.system ?? {})).not.toContain('git')
  })

  it('a custom backend alone gets every call, and an unknown name is a clear error before anything starts', async () => {
    const seen: string[] = []
    registerBackend('probe', () => probe(seen, {}))
    const exp = startLogging('probe-only', { backend: 'probe', quiet: true })
    exp.logMetric('loss', 1.5)
    await stopLogging()
    expect(seen).toEqual(['capture {}', 'loss=1.5@0', 'stop'])
    // The Experiment class takes one name as startLogging does.
    const direct = new Experiment('direct', { backend: 'probe', quiet: true }).start()
    expect(direct.backends.map((b) => b.name)).toEqual(['probe'])
    await direct.stop()
    expect(() => startLogging('x', { backend: ['tally', 'nope'], quiet: true })).toThrow(
      /unknown Tracelet backend "nope"\. the backends are: tally, probe, mlflow, tensorboard, wandb, clearml \(add one with registerBackend\(\)\)/,
    )
    expect(getActiveExperiment()).toBeNull()
  })
})

function probe(seen: string[], capture: unknown): TraceletBackend {
  seen.push(`capture ${JSON.stringify(capture)}`)
  return {
    name: 'probe',
    logMetric: (name, value, iteration) => seen.push(`${name}=${value}@${iteration}`),
    logParams: (params) => seen.push(`params ${JSON.stringify(params)}`),
    logArtifact: async (artifact) => {
      seen.push(`artifact ${artifact.name}`)
      return { backend: 'probe', uri: `probe://${artifact.name}`, version: '1', metadata: {} }
    },
    stop: async () => {
      seen.push('stop')
    },
  }
}
