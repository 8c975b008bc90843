import { describe, expect, it } from 'vitest'
import { sectionsOf } from './metric-keys'

const keys = ['train/loss', 'val/loss', 'train/acc', 'lr', 'system/gpu/util', 'train/loss']

describe('sectionsOf', () => {
  it('groups keys by the prefix before the first slash, unprefixed keys first, each key once', () => {
    expect(sectionsOf(keys, '')).toEqual([
      { name: '', keys: ['lr'] },
      { name: 'system', keys: ['system/gpu/util'] },
      { name: 'train', keys: ['train/acc', 'train/loss'] },
      { name: 'val', keys: ['val/loss'] },
    ])
  })

  it('keeps the keys matching any word of the search, ignoring case', () => {
    expect(sectionsOf(keys, 'LOSS')).toEqual([
      { name: 'train', keys: ['train/loss'] },
      { name: 'val', keys: ['val/loss'] },
    ])
    expect(sectionsOf(keys, 'acc, gpu').flatMap((s) => s.keys)).toEqual(['system/gpu/util', 'train/acc'])
  })
})
