/**
 * The dashboard's routes live in the query string, as Trackio's embedding URLs do
 * (`/?project=mnist`), so every view, sort and filter is a link someone can share and a
 * reload shows the same view. `?project=P&run=ID` is a run's page; the paths the SDK prints
 * for a team server's runs (`/{workspace}/{project}/runs/{id}`) open that run's page (or,
 * when it has no `runs/{id}` part, the project).
 */
import { useEffect, useSyncExternalStore } from 'react'

export const DEFAULT_WORKSPACE = 'default'

export type View =
  | { page: 'projects'; workspace: string }
  | { page: 'project'; workspace: string; project: string }
  | { page: 'run'; workspace: string; project: string; run: string }
  | { page: 'compare'; workspace: string; project: string; runs: CompareRuns }

/** The runs a Compare page shows: these ids, in this order, or every run of the project. */
export type CompareRuns = readonly string[] | 'all'

/**
 * The view a URL asks for. A URL that names no workspace means `fallbackWorkspace`: the
 * signed-in key's own (a key reaches only one), or `default` on a local server.
 */
export function viewOf(url: URL, fallbackWorkspace: string = DEFAULT_WORKSPACE): View {
  const params = canonicalParams(url)
  const workspace = params.get('workspace') || fallbackWorkspace
  const project = params.get('project')
  const run = params.get('run')
  const compare = params.get('compare')
  if (project && compare !== null) return { page: 'compare', workspace, project, runs: parseCompare(compare) }
  if (project && run) return { page: 'run', workspace, project, run }
  return project ? { page: 'project', workspace, project } : { page: 'projects', workspace }
}

/**
 * The query parameters of a URL, with a path of the SDK's form read into `workspace`,
 * `project` and `run` (parameters already in the query win).
 */
export function canonicalParams(url: URL): URLSearchParams {
  const params = new URLSearchParams(url.search)
  const segments = url.pathname.split('/').filter(Boolean).map(decodeSegment)
  const [workspace, project, runs, run] = segments
  if (workspace !== undefined && project !== undefined && !params.has('project')) {
    params.set('project', project)
    if (workspace !== DEFAULT_WORKSPACE && !params.has('workspace')) params.set('workspace', workspace)
    if (runs === 'runs' && run !== undefined && run !== '' && !params.has('run')) params.set('run', run)
  }
  return params
}

/** The link to a run's page. */
export function runHref(workspace: string, project: string, run: string): string {
  return hrefFor({ workspace: workspace === DEFAULT_WORKSPACE ? undefined : workspace, project, run })
}

/** `compare=a,b,a` → `['a', 'b']`; `compare=all` → every run of the project. */
export function parseCompare(value: string): CompareRuns {
  if (value.trim() === 'all') return 'all'
  return [...new Set(value.split(',').map((s) => s.trim()))].filter(Boolean)
}

/** The link to the Compare page of `runs` (`'all'`: every run of the project), with the page's own parameters. */
export function compareHref(
  workspace: string,
  project: string,
  runs: CompareRuns,
  params: Record<string, string | undefined> = {},
): string {
  return hrefFor({
    workspace: workspace === DEFAULT_WORKSPACE ? undefined : workspace,
    project,
    compare: runs === 'all' ? 'all' : runs.join(','),
    ...params,
  })
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/**
 * Parameters that hold for the whole visit rather than one view: an embedded dashboard
 * asked for `theme=dark` keeps it on every page it links to.
 */
export const STICKY_PARAMS = ['theme'] as const

/**
 * `?a=1&b=2` for these parameters, leaving out empty ones; `/` when none is left. The
 * sticky parameters of `current` (the page's own URL by default) carry over unless given.
 */
export function hrefFor(params: Record<string, string | undefined>, current: string = currentSearch()): string {
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, v)
  const here = new URLSearchParams(current)
  for (const k of STICKY_PARAMS) {
    const v = here.get(k)
    if (!(k in params) && v !== null && v !== '') query.set(k, v)
  }
  const s = query.toString()
  return s ? `/?${s}` : '/'
}

const currentSearch = (): string => (typeof location === 'undefined' ? '' : location.search)

const listeners = new Set<() => void>()
const subscribe = (listener: () => void): (() => void) => {
  listeners.add(listener)
  window.addEventListener('popstate', listener)
  return () => {
    listeners.delete(listener)
    window.removeEventListener('popstate', listener)
  }
}
const snapshot = (): string => location.href

/** Go to `href` in the page: a new history entry, or `replace` the current one (for a filter as it is typed). */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (href === `${location.pathname}${location.search}`) return
  if (options.replace) history.replaceState(null, '', href)
  else history.pushState(null, '', href)
  for (const listener of listeners) listener()
}

/** The current URL; the component renders again whenever it changes. */
export function useUrl(): URL {
  const href = useSyncExternalStore(subscribe, snapshot)
  return new URL(href)
}

/** Put a path of the SDK's form into the query string, so the address bar shows the canonical URL. */
export function useCanonicalUrl(href: string): void {
  useEffect(() => {
    const url = new URL(href)
    if (url.pathname === '/') return
    const query = canonicalParams(url).toString()
    navigate(query ? `/?${query}` : '/', { replace: true })
  }, [href])
}
