import { listMetadata } from '../api/runs'
import { useResource } from '../api/use-resource'
import { Failure } from '../components/notice'
import { formatJson } from './run-values'

const LIMIT = 1000

/** Metadata logged with the run's points, when there is any; nothing at all when there is none. */
export function RunMetadata({ runId }: { runId: string }) {
  const metadata = useResource(`metadata:${runId}`, (signal) => listMetadata(runId, LIMIT, signal))
  if (metadata.state === 'loading') return null
  if (metadata.state === 'error') return <Failure what="the point metadata" error={metadata.error} retry={metadata.retry} />
  if (metadata.data.length === 0) return null
  return (
    <section aria-labelledby="run-metadata">
      <h2 id="run-metadata">Point metadata</h2>
      {metadata.data.length === LIMIT && <p className="muted">The first {LIMIT} entries, by key then step.</p>}
      <table className="kv metadata">
        <caption className="visually-hidden">Point metadata</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Step</th>
            <th scope="col">Metadata</th>
          </tr>
        </thead>
        <tbody>
          {metadata.data.map((m) => (
            <tr key={`${m.key}@${m.step}`}>
              <td>{m.key}</td>
              <td className="number">{m.step}</td>
              <td>
                <code>{formatJson(m.metadata)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
