export const COMMANDS = {
  projects: {
    usage: 'tally projects [--json]',
    about: 'List projects with their run counts.',
    options: [],
  },
  runs: {
    usage: 'tally runs <project> [options] [--json]',
    about: 'List the runs of a project, newest first.',
    options: [
      ['--status S', 'only runs with status S: running, finished, failed, crashed'],
      ['--group G', 'only runs in group G'],
      ['--tag T', 'only runs tagged T'],
      ['--search TEXT', 'only runs whose name contains TEXT (case-insensitive)'],
      ['--where COND', 'filter such as "config.lr > 0.001" or "summary.loss <= 0.2"; repeat to AND'],
      ['--sort FIELD', 'createdAt (default), name, status, updatedAt, config.<key> or summary.<key>'],
      ['--asc', 'ascending order (default: descending)'],
      ['--limit N', 'at most N runs (1-1000, default 100)'],
      ['--offset N', 'skip the first N runs'],
    ],
  },
  run: {
    usage: 'tally run <run-id> [--json]',
    about: 'Show one run: status, config, summary and its metrics.',
    options: [],
  },
  series: {
    usage: 'tally series <run-id> <key> [--buckets N] [--from S] [--to S] [--since CURSOR] [--json]',
    about: 'Print one metric series: every point, or downsampled into at most N buckets (min, max, last value, count).',
    options: [
      ['--buckets N', 'downsample into at most N buckets (1-100000); every spike survives in min/max'],
      ['--from S', 'first step (inclusive)'],
      ['--to S', 'last step (inclusive)'],
      ['--since CURSOR', 'only points newer than a cursor from an earlier --json answer'],
    ],
  },
  ingest: {
    usage: 'tally ingest [--json]',
    about: 'Read new spool records into the store (every command does this first).',
    options: [],
  },
  export: {
    usage: 'tally export <project> [--format csv|jsonl]',
    about: 'Write every point of a project to stdout as CSV (default) or JSON lines.',
    options: [['--format F', 'csv or jsonl']],
  },
} as const

export type CommandName = keyof typeof COMMANDS

const GLOBAL = [
  ['--dir DIR', 'Tally directory (default: $TALLY_DIR, else ~/.tally)'],
  ['--json', 'machine-readable output'],
  ['-h, --help', 'help'],
] as const

function options(rows: readonly (readonly [string, string])[]): string {
  return rows.map(([flag, text]) => `  ${flag.padEnd(16)} ${text}`).join('\n')
}

export function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage.split(' [')[0]?.padEnd(34)} ${c.about}`)
  return `Usage: tally <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nOptions for every command:\n${options(GLOBAL)}\n\nRun tally <command> --help for a command's options.`
}

export function helpFor(command: CommandName): string {
  const c = COMMANDS[command]
  const own = c.options.length > 0 ? `\n\nOptions:\n${options(c.options)}` : ''
  return `Usage: ${c.usage}\n\n${c.about}${own}\n\nOptions for every command:\n${options(GLOBAL)}`
}
