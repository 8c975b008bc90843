import { Link } from './components/link'
import { ComparePage } from './pages/compare-page'
import { ProjectPage } from './pages/project-page'
import { ProjectsPage } from './pages/projects-page'
import { RunPage } from './pages/run-page'
import { canonicalParams, hrefFor, useCanonicalUrl, useUrl, viewOf } from './router'
import { themeParam, useTheme } from './theme'

/** The dashboard: a header, and the page the URL asks for. */
export function App() {
  const url = useUrl()
  useCanonicalUrl(url.href)
  const view = viewOf(url)
  useTheme(themeParam(canonicalParams(url)))
  return (
    <>
      <header className="top">
        <Link href={hrefFor({})} className="brand">
          Tally
        </Link>
        {view.workspace !== 'default' && <span className="muted">workspace {view.workspace}</span>}
      </header>
      {view.page === 'projects' && <ProjectsPage workspace={view.workspace} />}
      {view.page === 'project' && (
        <ProjectPage
          key={`${view.workspace}/${view.project}`}
          workspace={view.workspace}
          project={view.project}
          params={canonicalParams(url)}
        />
      )}
      {view.page === 'compare' && (
        <ComparePage
          key={`${view.workspace}/${view.project}`}
          workspace={view.workspace}
          project={view.project}
          runs={view.runs}
          params={canonicalParams(url)}
        />
      )}
      {view.page === 'run' && (
        <RunPage
          key={`${view.workspace}/${view.project}/${view.run}`}
          workspace={view.workspace}
          project={view.project}
          run={view.run}
          params={canonicalParams(url)}
        />
      )}
    </>
  )
}
