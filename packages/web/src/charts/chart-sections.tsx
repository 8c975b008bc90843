import type { RunJson } from '@tally/sdk/api'
import type { ApiError } from '../api/client'
import { Empty, Failure, Loading } from '../components/notice'
import type { ChartView } from './chart-view'
import { MetricChart } from './metric-chart'
import type { Section } from './metric-keys'

/** Where the metric keys stand: loading, failed (with a retry), or ready. */
export interface KeysState {
  state: 'loading' | 'error' | 'ready'
  error?: ApiError | undefined
  retry: () => void
}

/**
 * The charts of some metric keys in sections by `/` prefix, with the states around them,
 * as the project page and the run page both show them.
 */
export function ChartSections({
  keys,
  what,
  sections,
  runsOf,
  view,
  onView,
  heading: Heading = 'h2',
}: {
  keys: KeysState
  /** What failed to load, for the message: "the metric keys". */
  what: string
  sections: Section[]
  /** The runs a chart of `key` draws. */
  runsOf: (key: string) => RunJson[]
  view: ChartView
  onView: (view: ChartView, push?: boolean) => void
  heading?: 'h2' | 'h3'
}) {
  return (
    <>
      {keys.state === 'loading' && <Loading what="metric keys" />}
      {keys.state === 'error' && keys.error && <Failure what={what} error={keys.error} retry={keys.retry} />}
      {keys.state === 'ready' && sections.length === 0 && (
        <Empty title={view.metrics ? `No metric matches “${view.metrics}”` : 'No metrics logged yet'}>
          <p>{view.metrics ? 'The search keeps keys containing any of its words.' : 'Log one with run.log({ loss }) and reload.'}</p>
        </Empty>
      )}
      {/* Not while loading: a chart mounted on the first runs' keys would read those alone, then each later run by itself. */}
      {keys.state !== 'loading' &&
        sections.map((section) => (
          <section key={section.name} className="chart-section" data-section={section.name}>
            <Heading>{section.name || 'metrics'}</Heading>
            <div className="chart-grid">
              {section.keys.map((key) => (
                <MetricChart
                  key={key}
                  metric={key}
                  runs={runsOf(key)}
                  view={view}
                  onZoom={(range) => onView({ ...view, xmin: range?.xmin, xmax: range?.xmax }, true)}
                  onFull={(full) => onView({ ...view, full: full ? key : undefined }, true)}
                />
              ))}
            </div>
          </section>
        ))}
    </>
  )
}
