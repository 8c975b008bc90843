import { describe, expect, it } from 'vitest'
import { existing, selectAllState, toggleAll, toggleId } from './selection'

describe('toggleId', () => {
  it('adds at the end and removes in place', () => {
    expect(toggleId(['a', 'b'], 'c')).toEqual(['a', 'b', 'c'])
    expect(toggleId(['a', 'b', 'c'], 'b')).toEqual(['a', 'c'])
  })
})

describe('select all', () => {
  it('is none, some or all of the shown runs', () => {
    expect(selectAllState(['a', 'b'], new Set())).toBe('none')
    expect(selectAllState(['a', 'b'], new Set(['b', 'z']))).toBe('some')
    expect(selectAllState(['a', 'b'], new Set(['a', 'b']))).toBe('all')
    expect(selectAllState([], new Set(['a']))).toBe('none')
  })

  it('adds the shown runs, or with all selected removes them, keeping runs the filter hides', () => {
    expect(toggleAll(['a', 'b', 'c'], ['z', 'b'])).toEqual(['z', 'b', 'a', 'c'])
    expect(toggleAll(['a', 'b'], ['z', 'b', 'a'])).toEqual(['z'])
  })
})

describe('existing', () => {
  it('drops ids of runs that are not there', () => {
    expect(existing(['a', 'gone', 'b'], new Set(['a', 'b']))).toEqual(['a', 'b'])
  })
})
