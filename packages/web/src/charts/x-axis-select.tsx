import { parseXAxis, type XAxis, xAxisParam } from './x-axis'

const MODES: [string, string][] = [
  ['step', 'Step'],
  ['wall', 'Wall time'],
  ['relative', 'Relative time'],
]

/** What every chart's x is: the step, wall time, relative time, or one of the metric keys. */
export function XAxisSelect({ value, keys, onChange }: { value: XAxis; keys: readonly string[]; onChange: (x: XAxis) => void }) {
  const current = xAxisParam(value) ?? 'step'
  // Keys named like a mode cannot be told from it in the URL, so they are not offered.
  const metrics = [...new Set([...keys, ...(typeof value === 'string' ? [] : [value.metric])])]
    .filter((k) => !MODES.some(([m]) => m === k))
    .sort()
  return (
    <label className="x-axis">
      X axis{' '}
      <select value={current} onChange={(e) => onChange(parseXAxis(e.target.value))} aria-label="X axis">
        {MODES.map(([v, label]) => (
          <option key={v} value={v}>
            {label}
          </option>
        ))}
        {metrics.length > 0 && (
          <optgroup label="Metric">
            {metrics.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </optgroup>
        )}
      </select>
    </label>
  )
}
