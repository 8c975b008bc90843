import { describe, expect, it } from 'vitest'
import { groupByParam, parseGroupBy, parseList, parseSidebar, restrictRuns, runsParamFor } from './runs-params'
import { testRun } from './test-runs'

describe('parseList', () => {
  it('reads a comma list without blanks or repeats, in order', () => {
    expect(parseList(' b, a,,b ,')).toEqual(['b', 'a'])
    expect(parseList(null)).toEqual([])
    expect(parseList('')).toEqual([])
  })
})

describe('parseGroupBy', () => {
  it('reads group, tag and config keys, and round-trips them', () => {
    for (const text of ['group', 'tag', 'config.optimizer', 'config.model.depth']) {
      expect(groupByParam(parseGroupBy(text))).toBe(text)
    }
    expect(parseGroupBy('tags')).toEqual({ kind: 'tag' })
  })

  it('groups nothing for anything else', () => {
    for (const text of [null, '', 'status', 'config.', 'summary.loss', 'config..x']) expect(parseGroupBy(text)).toBeUndefined()
    expect(groupByParam(undefined)).toBeUndefined()
  })
})

describe('parseSidebar', () => {
  it('knows hidden and collapsed; anything else shows the panel', () => {
    expect(parseSidebar('hidden')).toBe('hidden')
    expect(parseSidebar('collapsed')).toBe('collapsed')
    expect(parseSidebar('HIDDEN')).toBe('shown')
    expect(parseSidebar(null)).toBe('shown')
  })
})

describe('restrictRuns', () => {
  const runs = [testRun('id1', { name: 'alpha' }), testRun('id2', { name: 'beta' }), testRun('id3', { name: 'alpha' })]

  it('keeps the runs named by name or id, in their order', () => {
    expect(restrictRuns(runs, ['beta', 'id1']).map((r) => r.id)).toEqual(['id1', 'id2'])
    // A name two runs share keeps both.
    expect(restrictRuns(runs, ['alpha']).map((r) => r.id)).toEqual(['id1', 'id3'])
  })

  it('restricts nothing with an empty list, and keeps none for unknown names', () => {
    expect(restrictRuns(runs, [])).toBe(runs)
    expect(restrictRuns(runs, ['gamma'])).toEqual([])
  })
})

describe('runsParamFor', () => {
  it('names runs by unique names, and by id where a name is shared, has a comma or is another run’s id', () => {
    const all = [
      testRun('id1', { name: 'alpha' }),
      testRun('id2', { name: 'beta' }),
      testRun('id3', { name: 'beta' }),
      testRun('id4', { name: 'a,b' }),
      testRun('id5', { name: 'id1' }),
    ]
    expect(runsParamFor(all, all)).toBe('alpha,id2,id3,id4,id5')
    // Read back, the value means exactly those runs.
    expect(
      restrictRuns(
        all,
        parseList(
          runsParamFor(
            all.filter((r) => r.id === 'id1' || r.id === 'id3'),
            all,
          ),
        ),
      ).map((r) => r.id),
    ).toEqual(['id1', 'id3'])
  })
})
