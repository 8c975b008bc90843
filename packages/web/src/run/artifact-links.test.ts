import { describe, expect, it } from 'vitest'
import { describeEntry, entryUrl, formatBytes } from './artifact-links'

describe('artifact links', () => {
  it('encodes every segment of the download address', () => {
    const v = { workspace: 'default', project: 'vision/p', name: 'resnet', version: 'v2' }
    expect(entryUrl(v, 'weights/model v1#.bin')).toBe(
      '/api/v1/workspaces/default/projects/vision%2Fp/artifacts/resnet/v2/files/weights/model%20v1%23.bin',
    )
  })

  it('sizes in binary units and describes each kind of entry', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(19 * 1024 * 1024)).toBe('19.0 MiB')
    expect(describeEntry({ kind: 'object', path: 'm.json', value: 1 })).toBe('JSON object')
    expect(describeEntry({ kind: 'reference', path: 'd', uri: 's3://b/d' })).toBe('reference: s3://b/d')
  })
})
