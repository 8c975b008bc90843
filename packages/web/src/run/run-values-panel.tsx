import './run-values-panel.css'
import type { RunValueJson, ValueKeyJson } from '@tally/sdk/api'
import { getValueAt, listValueKeys } from '../api/runs'
import { useResource } from '../api/use-resource'
import { Failure, Loading } from '../components/notice'
import { ValueBody } from './value-body'
import type { ValueSteps } from './value-steps'
import { shownStep } from './values-view'

/**
 * "Media and tables": per rich value key, its value at a chosen step (a slider over the
 * steps that have one, the last by default; the choice is kept in the URL, see value-steps.ts).
 */
export function RunValuesPanel({ runId, steps, onSteps }: { runId: string; steps: ValueSteps; onSteps: (steps: ValueSteps) => void }) {
  const keys = useResource(`value-keys:${runId}`, (signal) => listValueKeys(runId, signal))
  return (
    <section aria-labelledby="run-values">
      <h2 id="run-values">Media and tables</h2>
      {keys.state === 'loading' && <Loading what="the run's tables and media" />}
      {keys.state === 'error' && <Failure what="the run's tables and media" error={keys.error} retry={keys.retry} />}
      {keys.state === 'ready' && keys.data.length === 0 && (
        <p className="muted">
          No tables, histograms, images or notes. Log one with <code>{'run.log({ preds: new Table({ columns, rows }) })'}</code>, or{' '}
          <code>Histogram</code>, <code>Image</code>, <code>Markdown</code>.
        </p>
      )}
      {keys.state === 'ready' &&
        keys.data.map((k) => (
          <ValueCard
            key={k.key}
            runId={runId}
            info={k}
            wanted={steps.get(k.key)}
            onStep={(step) => onSteps(new Map(steps).set(k.key, step))}
          />
        ))}
    </section>
  )
}

function ValueCard({
  runId,
  info,
  wanted,
  onStep,
}: {
  runId: string
  info: ValueKeyJson
  wanted: number | undefined
  onStep: (step: number) => void
}) {
  const step = shownStep(info.steps, wanted) as number
  const index = info.steps.indexOf(step)
  const value = useResource(`value:${runId}:${info.key}:${step}`, (signal) => getValueAt(runId, info.key, step, signal))
  const sliderId = `value-step-${info.key}`
  return (
    <article className="value-card" data-value-key={info.key} aria-label={info.key}>
      <header className="value-head">
        <h3>{info.key}</h3>
        <span className="muted">{info.kind}</span>
        {info.steps.length > 1 ? (
          <span className="value-steps">
            <label htmlFor={sliderId}>
              Step <strong>{step}</strong>
            </label>
            <input
              id={sliderId}
              type="range"
              min={0}
              max={info.steps.length - 1}
              value={index}
              aria-valuetext={`step ${step}, ${index + 1} of ${info.steps.length}`}
              onChange={(e) => onStep(info.steps[Number(e.currentTarget.value)] as number)}
            />
            <span className="muted">
              {index + 1} of {info.steps.length}
            </span>
          </span>
        ) : (
          <span className="value-steps">
            Step <strong>{step}</strong>
          </span>
        )}
      </header>
      {value.state === 'loading' && <Loading what={`${info.key} at step ${step}`} />}
      {value.state === 'error' && <Failure what={`${info.key} at step ${step}`} error={value.error} retry={value.retry} />}
      {value.state === 'ready' && value.data === undefined && (
        <p className="muted">This value is gone (its run was changed); reload the page.</p>
      )}
      {value.state === 'ready' && value.data !== undefined && <ValueBody value={value.data as RunValueJson} />}
    </article>
  )
}
