export { config, currentRun, finish, flush, init, log, result, summary } from './api.js'
export type {
  ArtifactEntryJson,
  ArtifactJson,
  ArtifactVersionJson,
  ErrorJson,
  ProjectJson,
  RunJson,
  RunPageJson,
  RunStatus,
} from './api-types.js'
export type { ArtifactEntry, ArtifactOptions, ArtifactType, LoggedArtifact } from './artifacts/index.js'
export { ARTIFACT_TYPES, Artifact } from './artifacts/index.js'
export type { ErrorCode } from './errors.js'
export { ERROR_CODES, isTallyError, TallyError } from './errors.js'
export type { JsonValue } from './json.js'
export type { SyncOptions, SyncReport, WriterSyncResult } from './remote/index.js'
export { syncSpool } from './remote/index.js'
export type { FinishOptions, InitOptions, LogOptions, ResumeMode } from './run.js'
export { Run } from './run.js'
export type { HistogramPayload, ImagePayload, MarkdownPayload, TablePayload, ValueKind } from './values/rich.js'
export { Histogram, Image, Markdown, RichValue, Table } from './values/rich.js'
