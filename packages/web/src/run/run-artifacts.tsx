import type { ArtifactVersionJson } from '@tally/sdk/api'
import { getJson, seg } from '../api/client'
import { useResource } from '../api/use-resource'
import { Failure } from '../components/notice'
import { describeEntry, entryUrl, formatBytes } from './artifact-links'

/** The artifact versions the run logged, with a download link per file; an empty state says how to log one. */
export function RunArtifacts({ runId }: { runId: string }) {
  const artifacts = useResource(`artifacts:${runId}`, (signal) => getJson<ArtifactVersionJson[]>(`/runs/${seg(runId)}/artifacts`, signal))
  if (artifacts.state === 'loading') return null
  if (artifacts.state === 'error') return <Failure what="the artifacts" error={artifacts.error} retry={artifacts.retry} />
  return (
    <section aria-labelledby="run-artifacts" className="run-artifacts">
      <h2 id="run-artifacts">Artifacts</h2>
      {artifacts.data.length === 0 ? (
        <p className="muted">
          No artifacts. Log one with <code>run.logArtifact(new Artifact('model', 'model').addFile('model.bin'))</code>.
        </p>
      ) : (
        artifacts.data.map((v) => (
          <details key={`${v.name}:${v.version}`} className="run-artifact" open={artifacts.data.length <= 3}>
            <summary>
              <strong>{v.name}</strong> <code>{v.version}</code> <span className="muted">{v.type}</span>
              {v.aliases.map((a) => (
                <span key={a} className="tag">
                  {a}
                </span>
              ))}{' '}
              <span className="muted">{formatBytes(v.size)}</span>
            </summary>
            {v.description && <p>{v.description}</p>}
            <ul className="artifact-entries">
              {v.entries.map((e) => (
                <li key={e.path}>
                  {e.kind === 'reference' ? (
                    <code>{e.path}</code>
                  ) : (
                    <a href={entryUrl(v, e.path)} download>
                      {e.path}
                    </a>
                  )}{' '}
                  <span className="muted">{describeEntry(e)}</span>
                </li>
              ))}
            </ul>
          </details>
        ))
      )}
    </section>
  )
}
