import { describe, expect, it } from 'vitest'
import { canonicalParams, compareHref, hrefFor, runHref, viewOf } from './router'

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

  it('carries the visit-wide parameters (theme) into every link, unless the link sets them', () => {
    expect(hrefFor({ project: 'mnist' }, '?project=x&theme=dark&sort=name')).toBe('/?project=mnist&theme=dark')
    expect(hrefFor({ project: 'mnist', theme: 'light' }, '?theme=dark')).toBe('/?project=mnist&theme=light')
    expect(hrefFor({}, '?theme=dark')).toBe('/?theme=dark')
  })

  it('opens the Compare page of the runs listed, or of every run, and links to it', () => {
    expect(view('/?project=mnist&compare=r1,r2,%20r1,,r3')).toEqual({
      page: 'compare',
      workspace: 'default',
      project: 'mnist',
      runs: ['r1', 'r2', 'r3'],
    })
    expect(view('/?workspace=vision&project=mnist&compare=all&run=r1')).toEqual({
      page: 'compare',
      workspace: 'vision',
      project: 'mnist',
      runs: 'all',
    })
    expect(view('/?project=mnist&compare=')).toEqual({ page: 'compare', workspace: 'default', project: 'mnist', runs: [] })
    expect(view('/?compare=r1,r2')).toEqual({ page: 'projects', workspace: 'default' })
    expect(compareHref('default', 'mnist', ['r1', 'r2'])).toBe('/?project=mnist&compare=r1%2Cr2')
    expect(compareHref('vision', 'mnist', 'all', { pc_metric: 'val/loss' })).toBe(
      '/?workspace=vision&project=mnist&compare=all&pc_metric=val%2Floss',
    )
    expect(view(compareHref('default', 'mnist', ['r1', 'r2']))).toMatchObject({ page: 'compare', runs: ['r1', 'r2'] })
  })
})
