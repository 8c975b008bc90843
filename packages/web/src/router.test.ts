import { describe, expect, it } from 'vitest'
import { canonicalParams, hrefFor, viewOf } from './router'

const view = (href: string) => viewOf(new URL(href, 'http://127.0.0.1:4747'))

describe('the router', () => {
  it('reads the page from the query string, workspace "default" unless named', () => {
    expect(view('/')).toEqual({ page: 'projects', workspace: 'default' })
    expect(view('/?project=mnist&sort=name')).toEqual({ page: 'project', workspace: 'default', project: 'mnist' })
    expect(view('/?workspace=vision&project=a%2Fb')).toEqual({ page: 'project', workspace: 'vision', project: 'a/b' })
  })

  it('opens the project of a run URL as the SDK prints it', () => {
    expect(view('/vision/mnist/runs/abc')).toEqual({ page: 'project', workspace: 'vision', project: 'mnist' })
    expect(canonicalParams(new URL('http://h/default/my%20proj/runs/abc?sort=name')).toString()).toBe('sort=name&project=my+proj')
  })

  it('writes links without empty parameters', () => {
    expect(hrefFor({ project: 'mnist', sort: undefined, q: '' })).toBe('/?project=mnist')
    expect(hrefFor({})).toBe('/')
  })
})
