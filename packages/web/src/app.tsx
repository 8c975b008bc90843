import { Link } from './components/link'
import { Failure, Loading } from './components/notice'
import { ComparePage } from './pages/compare-page'
import { ProjectPage } from './pages/project-page'
import { ProjectsPage } from './pages/projects-page'
import { RunPage } from './pages/run-page'
import { SignInPage } from './pages/sign-in-page'
import { canonicalParams, DEFAULT_WORKSPACE, hrefFor, useCanonicalUrl, useUrl, viewOf } from './router'
import { SessionBar } from './session/session-bar'
import { SessionContext } from './session/session-context'
import { useSessionLoader } from './session/use-session-loader'
import { themeParam, useTheme } from './theme'

/** The dashboard: a header, and the page the URL asks for (once signed in, on a team server). */
export function App() {
  const url = useUrl()
  useCanonicalUrl(url.href)
  useTheme(themeParam(canonicalParams(url)))
  const session = useSessionLoader()
  const current = session.current
  const signedIn = current.state === 'signed-in' ? current.session : null
  const view = viewOf(url, signedIn?.workspace ?? DEFAULT_WORKSPACE)
  return (
    <>
      <header className="top">
        <Link href={hrefFor({})} className="brand">
          Tally
        </Link>
        <SessionBar control={session} workspace={view.workspace} />
      </header>
      {current.state === 'loading' && (
        <main>
          <Loading what="the dashboard" />
        </main>
      )}
      {current.state === 'error' && (
        <main>
          <Failure what="the dashboard" error={current.error} retry={session.retry} />
        </main>
      )}
      {current.state === 'signed-out' && (
        <SignInPage signIn={session.signIn} {...(current.reason !== undefined && { reason: current.reason })} />
      )}
      {signedIn !== null && (
        <SessionContext value={signedIn}>
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
        </SessionContext>
      )}
    </>
  )
}
