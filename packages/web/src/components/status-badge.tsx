import type { RunStatus } from '@tally/sdk/api'

const TITLES: Record<RunStatus, string> = {
  running: 'Running: its process is logging',
  finished: 'Finished normally',
  failed: 'Failed: the script threw or was interrupted',
  crashed: 'Crashed: its process stopped without saying so (killed, or the machine went down)',
}

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`status status-${status}`} title={TITLES[status]}>
      {status}
    </span>
  )
}
