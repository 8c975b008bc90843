export type {
  ArtifactEntry,
  ArtifactFileEntry,
  ArtifactObjectEntry,
  ArtifactReferenceEntry,
  ArtifactType,
} from '../artifacts/manifest.js'
export {
  ARTIFACT_LIMITS,
  ARTIFACT_TYPES,
  blobRelativePath,
  checkAlias,
  checkArtifactName,
  checkArtifactType,
  checkEntries,
  checkEntryPath,
  isSha256,
  manifestDigest,
  VERSION_PATTERN,
} from '../artifacts/manifest.js'
export { MAX_LINE_CHARS } from '../capture/console-lines.js'
export type { JsonValue } from '../json.js'
export { parseTagged, stringifyTagged, tagNonFinite, toPlainJson, untagNonFinite } from '../json.js'
// Building blocks the server shares with the SDK: the same limits, checks and id shapes.
export { newRunId, newRunName, newWriterId } from '../names.js'
export { checkConfig, checkId, checkKey, checkMetadata, checkProject, checkTags, checkText, LIMITS } from '../validate.js'
export type { HistogramPayload, ImageMime, ImagePayload, MarkdownPayload, TablePayload, ValueKind } from '../values/rich.js'
export { RichValue, richValueOf, sniffImage, VALUE_LIMITS } from '../values/rich.js'
export type { DecodeResult, StopReason } from './codec.js'
export { decodeRecords, encodeEvent, encodeHeader, encodePoints, hasMagic } from './codec.js'
export * from './format.js'
export type { RunIndex, RunSpoolScan, SpoolFileRead, SpoolRunDir } from './reader.js'
export { listSpool, readRunIndex, readSpoolEvents, readSpoolFile, scanRunSpool } from './reader.js'
export { SpoolWriter, spoolDir, writeRunIndex } from './writer.js'
