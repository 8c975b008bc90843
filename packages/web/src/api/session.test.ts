import { describe, expect, it } from 'vitest'
import { may, type SessionJson } from './session'

const as = (role: SessionJson['role']): SessionJson => ({ mode: 'team', workspace: 'A', role, name: null })

describe('may', () => {
  it('lets owners delete, writers edit and viewers only read', () => {
    expect([may(as('owner'), 'owner'), may(as('owner'), 'writer')]).toEqual([true, true])
    expect([may(as('writer'), 'owner'), may(as('writer'), 'writer'), may(as('writer'), 'viewer')]).toEqual([false, true, true])
    expect([may(as('viewer'), 'writer'), may(as('viewer'), 'viewer')]).toEqual([false, true])
  })
})
