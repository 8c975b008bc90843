import '../run/run-values-panel.css'
import type { RunJson, ValueKeyJson } from '@tally/sdk/api'
import { useState } from 'react'
import { getValueAt, listValueKeys } from '../api/runs'
import { useResource } from '../api/use-resource'
import { Link } from '../components/link'
import { Failure, Loading } from '../components/notice'
import { ValueBody } from '../run/value-body'
import { runColor } from '../runs/run-color'
import { type ValuePanel, valuePanels } from './value-panels-view'

/**
 * Below the charts: one panel per rich value key of the charted runs, each closed until
 * opened (a table can be megabytes), then showing every run's latest value under that key.
 */
export function ValuePanels({ runs, runHref }: { runs: readonly RunJson[]; runHref: (run: RunJson) => string }) {
  const ids = runs.map((r) => r.id)
  const keys = useResource(`project-value-keys:${ids.join(',')}`, async (signal) => {
    const lists = await Promise.all(ids.map(async (id) => [id, await listValueKeys(id, signal)] as const))
    return new Map<string, readonly ValueKeyJson[]>(lists)
  })
  // Below the charts, and absent from most projects: no loading line to flash by.
  if (keys.state === 'loading') return null
  if (keys.state === 'error') return <Failure what="the runs' tables and media" error={keys.error} retry={keys.retry} />
  const panels = valuePanels(ids, keys.data)
  // Runs without rich values have nothing to show here, and say nothing.
  if (panels.length === 0) return null
  const byId = new Map(runs.map((r) => [r.id, r]))
  return (
    <section className="value-panels" aria-labelledby="project-values">
      <h2 id="project-values">Media and tables</h2>
      <p className="muted">Each run’s latest value under a key. Open a run for its earlier steps.</p>
      {panels.map((p) => (
        <ValuePanelView key={p.key} panel={p} runOf={(id) => byId.get(id)} runHref={runHref} />
      ))}
    </section>
  )
}

function ValuePanelView({
  panel,
  runOf,
  runHref,
}: {
  panel: ValuePanel
  runOf: (id: string) => RunJson | undefined
  runHref: (run: RunJson) => string
}) {
  const [open, setOpen] = useState(false)
  return (
    <details className="value-card" data-value-panel={panel.key} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        <strong>{panel.key}</strong> <span className="muted">{panel.kind}</span>{' '}
        <span className="muted">
          · {panel.runs.length} {panel.runs.length === 1 ? 'run' : 'runs'}
        </span>
      </summary>
      {open && (
        <div className={panel.kind === 'table' ? 'value-runs wide' : 'value-runs'}>
          {panel.runs.map(({ runId, lastStep }) => {
            const run = runOf(runId)
            return run === undefined ? null : <RunLatest key={runId} run={run} valueKey={panel.key} step={lastStep} href={runHref(run)} />
          })}
        </div>
      )}
    </details>
  )
}

function RunLatest({ run, valueKey, step, href }: { run: RunJson; valueKey: string; step: number; href: string }) {
  const value = useResource(`value:${run.id}:${valueKey}:${step}`, (signal) => getValueAt(run.id, valueKey, step, signal))
  return (
    <div className="value-run" data-run={run.id}>
      <h3>
        <span className="run-swatch" style={{ background: runColor(run.id) }} aria-hidden="true" />
        <Link href={href}>{run.name}</Link> <span className="muted">step {step}</span>
      </h3>
      {value.state === 'loading' && <Loading what={`${valueKey} of ${run.name}`} />}
      {value.state === 'error' && <Failure what={`${valueKey} of ${run.name}`} error={value.error} retry={value.retry} />}
      {value.state === 'ready' && value.data !== undefined && <ValueBody value={value.data} />}
    </div>
  )
}
