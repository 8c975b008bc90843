import type { JsonValue } from '../api/runs'
import { downloadText } from './download'
import { gitView } from './git-view'

/** The run's git state at init (commit, branch, remote, dirty, and the uncommitted diff), as one wide fact of the overview; nothing without it. */
export function RunGit({ git }: { git: JsonValue | undefined }) {
  const view = gitView(git)
  if (view === undefined) return null
  return (
    <div className="fact wide run-git" data-fact="git">
      <dt>Git</dt>
      <dd>
        {view.commit !== null && (
          <code className="git-commit" title={view.commit}>
            {view.short}
          </code>
        )}
        <span className="git-branch">
          {view.branch === null ? <span className="muted">detached HEAD</span> : <code>{view.branch}</code>}
        </span>
        {view.remote !== null && <code className="git-remote">{view.remote}</code>}
        {view.dirty && (
          <span className="status status-crashed git-dirty" title="Tracked files had uncommitted changes when the run started">
            dirty
          </span>
        )}
        {view.diff !== null && (
          <details className="git-diff">
            <summary>
              Uncommitted changes ({view.diff.split('\n').length - 1} lines{view.diffTruncated ? ', cut' : ''})
            </summary>
            <button
              type="button"
              className="link-button git-diff-download"
              onClick={() => downloadText(view.diff ?? '', `${view.short ?? 'uncommitted'}-dirty.patch`, 'text/x-diff;charset=utf-8')}
            >
              Download .patch
            </button>
            <pre>
              <code>{view.diff}</code>
            </pre>
          </details>
        )}
      </dd>
    </div>
  )
}
