import { describe, expect, it } from 'vitest'
import { canonicalParams, hrefFor, runHref, viewOf } from './router'

const view = (href: string) => viewOf(new URL(href, 'http://127.0.0.1:4747'))

describe('the router', () => {
  it('reads the page from the query string, workspace "default" unless named', () => {
    expect(view('/')).toEqual({ page: 'projects', workspace: 'default' })
    expect(view('/?project=mnist&sort=name')).toEqual({ page: 'project', workspace: 'default', project: 'mnist' })
    expect(view('/?workspace=vision&project=a%2Fb')).toEqual({ page: 'project', workspace: 'vision', project: 'a/b' })
  })

  it("takes a signed-in key's workspace when the URL names none", () => {
    const url = (href: string) => new URL(href, 'http://127.0.0.1:4747')
    expect(viewOf(url('/'), 'vision')).toEqual({ page: 'projects', workspace: 'vision' })
    expect(viewOf(url('/?project=mnist&run=r1'), 'vision')).toEqual({ page: 'run', workspace: 'vision', project: 'mnist', run: 'r1' })
    expect(viewOf(url('/?workspace=nlp&project=mnist'), 'vision')).toEqual({ page: 'project', workspace: 'nlp', project: 'mnist' })
  })

  it('opens the run page of a run URL as the SDK prints it', () => {
    expect(view('/vision/mnist/runs/abc')).toEqual({ page: 'run', workspace: 'vision', project: 'mnist', run: 'abc' })
    expect(canonicalParams(new URL('http://h/default/my%20proj/runs/abc?sort=name')).toString()).toBe('sort=name&project=my+proj&run=abc')
    expect(view('/default/mnist')).toEqual({ page: 'project', workspace: 'default', project: 'mnist' })
    expect(view('/default/mnist/runs/')).toEqual({ page: 'project', workspace: 'default', project: 'mnist' })
  })

  it('opens a run page from the query string, and links to it', () => {
    expect(view('/?project=mnist&run=r1')).toEqual({ page: 'run', workspace: 'default', project: 'mnist', run: 'r1' })
    expect(view('/?run=r1')).toEqual({ page: 'projects', workspace: 'default' })
    expect(runHref('default', 'mnist', 'r 1')).toBe('/?project=mnist&run=r+1')
    expect(runHref('vision', 'a/b', 'r1')).toBe('/?workspace=vision&project=a%2Fb&run=r1')
  })

  it('writes links without empty parameters', () => {
    expect(hrefFor({ project: 'mnist', sort: undefined, q: '' })).toBe('/?project=mnist')
    expect(hrefFor({})).toBe('/')
  })
})
