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
  serve: {
    usage: 'tally serve [--host H] [--port P] [--db sqlite:PATH|postgres://...] [--data-dir DIR]',
    about: 'Run the team server: HTTP API with API keys. A new server prints a one-time owner key.',
    options: [
      ['--host H', 'address to bind (default $TALLY_HOST, else 0.0.0.0)'],
      ['--port P', 'port (default $TALLY_PORT, else 8080)'],
      ['--db URL', 'sqlite:PATH or postgres://user@host/db (default $TALLY_DB, else sqlite:<data-dir>/tally.db)'],
      ['--data-dir DIR', 'where the server keeps its files (default $TALLY_DATA_DIR, else the Tally directory)'],
      ['--body-limit N', 'largest batch of spool records accepted, bytes (default 64 MiB)'],
    ],
  },
  ui: {
    usage: 'tally ui [--port P]',
    about: "Serve this machine's runs on 127.0.0.1, following the spool as scripts log.",
    options: [
      ['--port P', 'port (default $TALLY_PORT, else 4747)'],
      ['--host H', 'loopback address to bind (127.0.0.1 or ::1)'],
    ],
  },
  keys: {
    usage:
      'tally keys create --workspace W --role owner|writer|viewer [--name N] | tally keys list [--workspace W] | tally keys revoke <key-id>',
    about: 'Manage API keys of a team server, on its database. A key is shown once, when created.',
    options: [
      ['--workspace W', 'the workspace the key belongs to'],
      ['--role R', 'owner (manage keys), writer (log), viewer (read)'],
      ['--name N', 'a note to recognise the key by'],
      ['--db URL', "the server's database (default $TALLY_DB, else sqlite:<data-dir>/tally.db, as tally serve)"],
      ['--data-dir DIR', 'as for tally serve (default $TALLY_DATA_DIR, else the Tally directory)'],
    ],
  },
  workspaces: {
    usage: 'tally workspaces create <name> | tally workspaces list',
    about: 'Manage workspaces of a team server, on its database.',
    options: [
      ['--db URL', "the server's database (default $TALLY_DB, else sqlite:<data-dir>/tally.db, as tally serve)"],
      ['--data-dir DIR', 'as for tally serve (default $TALLY_DATA_DIR, else the Tally directory)'],
    ],
  },
  sync: {
    usage: 'tally sync [--server URL] [--api-key K] [--workspace W] [--all]',
    about: 'Send every spool record a server has not acknowledged yet (runs logged in remote mode).',
    options: [
      ['--server URL', 'the server (default $TALLY_SERVER_URL)'],
      ['--api-key K', 'an API key with the writer role (default $TALLY_API_KEY)'],
      ['--workspace W', 'default $TALLY_WORKSPACE, else "default"'],
      ['--all', 'also send runs that were logged locally, not for this server'],
    ],
  },
  artifact: {
    usage: 'tally artifact ls <project> | tally artifact get <name>[:<version>|:<alias>] [--project P] [--out DIR]',
    about: 'List the artifacts of a project, or download one version (default latest) into a folder.',
    options: [
      ['--project P', 'the project of get (default $TALLY_PROJECT, else "default")'],
      ['--out DIR', 'where get writes the files (default ./<name>-<version>); no entry may land outside it'],
      ['--server URL', 'read from this server instead of the Tally directory (default $TALLY_SERVER_URL)'],
      ['--api-key K', 'a key with the viewer role (default $TALLY_API_KEY)'],
      ['--workspace W', 'default $TALLY_WORKSPACE, else "default"'],
    ],
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
