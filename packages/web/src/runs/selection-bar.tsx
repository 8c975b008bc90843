import type { RunJson } from '@tally/sdk/api'
import { Link } from '../components/link'

interface Props {
  /** The selected runs that exist, in the order they were selected. */
  runs: readonly RunJson[]
  compareHref: string
  onChartOnly: () => void
  onClear: () => void
}

/** What to do with the selected runs: compare them, chart only them, or let them go. */
export function SelectionBar({ runs, compareHref, onChartOnly, onClear }: Props) {
  if (runs.length === 0) return null
  return (
    <section className="selection-bar" aria-label="Selected runs">
      <strong role="status">{runs.length} selected</strong>
      <Link className="button" href={compareHref}>
        Compare
      </Link>
      <button type="button" onClick={onChartOnly}>
        Chart only these
      </button>
      <button type="button" onClick={onClear}>
        Clear
      </button>
    </section>
  )
}
