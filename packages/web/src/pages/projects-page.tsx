import { listProjects } from '../api/client'
import { useResource } from '../api/use-resource'
import { Link } from '../components/link'
import { Empty, Failure, Loading } from '../components/notice'
import { formatTime } from '../format'
import { DEFAULT_WORKSPACE, hrefFor } from '../router'

/** The projects of a workspace, most recently active first; each opens its runs. */
export function ProjectsPage({ workspace }: { workspace: string }) {
  const projects = useResource(`projects:${workspace}`, (signal) => listProjects(workspace, signal))
  const ws = workspace === DEFAULT_WORKSPACE ? undefined : workspace
  return (
    <main>
      <h1>Projects</h1>
      {projects.state === 'loading' && <Loading what="projects" />}
      {projects.state === 'error' && <Failure what="projects" error={projects.error} retry={projects.retry} />}
      {projects.state === 'ready' && projects.data.length === 0 && (
        <Empty title="No projects yet">
          <p>Log a run from a training script and its project appears here:</p>
          <pre>
            <code>{`import * as tally from '@tally/sdk'

const run = tally.init({ project: 'mnist', config: { lr: 1e-3 } })
run.log({ loss: 0.5 })
await run.finish()`}</code>
          </pre>
          <p>
            Then{' '}
            <button type="button" onClick={projects.retry}>
              reload
            </button>
          </p>
        </Empty>
      )}
      {projects.state === 'ready' && projects.data.length > 0 && (
        <ul className="projects" aria-label="Projects">
          {projects.data.map((p) => (
            <li key={p.name}>
              <Link className="project-link" href={hrefFor({ workspace: ws, project: p.name })}>
                <span className="project-name">{p.name}</span>
                <span className="muted">
                  {p.runs} {p.runs === 1 ? 'run' : 'runs'} · last active {formatTime(p.lastActivityAt)}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </main>
  )
}
