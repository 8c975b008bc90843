import { TallyError } from '@tally/sdk'
import type Database from 'better-sqlite3'

/**
 * The schema, as steps applied in order. Step i brings the database to version i + 1, kept
 * in `PRAGMA user_version`. Released steps are never edited: change the schema by adding one.
 *
 * JSON columns hold tagged JSON (`stringifyTagged`) so NaN and ±Infinity survive. REAL
 * columns cannot hold NaN (SQLite stores it as NULL), so a NULL min, max or last reads as NaN.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE workspaces (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
  );
  INSERT INTO workspaces (id, name) VALUES (1, 'default');

  CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
  );

  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    group_name TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    description TEXT,
    config TEXT NOT NULL DEFAULT '{}',
    explicit_summary TEXT NOT NULL DEFAULT '{}',
    results TEXT NOT NULL DEFAULT '{}',
    -- Cached merge: last value of every series, then explicit_summary, then results.
    summary TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER,
    heartbeat_at INTEGER NOT NULL,
    last_step INTEGER,
    system TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX runs_by_project ON runs (project_id, created_at);
  CREATE INDEX runs_by_status ON runs (project_id, status);

  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    count INTEGER NOT NULL,
    first_step INTEGER NOT NULL,
    last_step INTEGER NOT NULL,
    last_value REAL,
    -- Bumped whenever points at or before last_step arrive, which invalidates cursors.
    rewrites INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run_id, key)
  );

  -- Chunks of one series cover disjoint step ranges. data last, so the stats columns sit
  -- on the row's own page and reading them does not touch the blob's overflow pages.
  CREATE TABLE chunks (
    series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    first_step INTEGER NOT NULL,
    last_step INTEGER NOT NULL,
    n INTEGER NOT NULL,
    min REAL,
    max REAL,
    last REAL,
    data BLOB NOT NULL,
    PRIMARY KEY (series_id, first_step)
  );

  CREATE TABLE writers (
    writer_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    acked_seq INTEGER NOT NULL,
    file TEXT,
    offset INTEGER NOT NULL DEFAULT 0,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    runtime TEXT NOT NULL,
    last_seen_at INTEGER NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX writers_by_run ON writers (run_id);
  `,
  // 2: workspaces for teams, API keys, and tombstones of deleted runs.
  `
  ALTER TABLE workspaces ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
  -- "default" has been there since the store began: since its first project, or now.
  UPDATE workspaces SET created_at = coalesce((SELECT min(created_at) FROM projects), CAST(unixepoch('subsec') * 1000 AS INTEGER));

  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    name TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );

  -- A deleted run's id, and the writers it had: their late records are acknowledged and
  -- dropped instead of bringing the run back or being refused as unknown.
  CREATE TABLE deleted_runs (
    run_id TEXT PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    deleted_at INTEGER NOT NULL
  );
  CREATE TABLE deleted_writers (
    writer_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    workspace_id INTEGER NOT NULL,
    acked_seq INTEGER NOT NULL
  );

  -- Metadata of single points (Tora's), tagged JSON of at most 10 KB; rare, so a row each.
  CREATE TABLE point_metadata (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    PRIMARY KEY (run_id, key, step)
  ) WITHOUT ROWID;
  `,
  // 3: the wall time of each chunk's last point, so a bucketed read answers each bucket's
  // time from the stats. The table is rebuilt rather than altered: an added column would sit
  // after data, on the blob's overflow pages, and reading it would read the blob. Chunks
  // written before have it NULL and are decoded when read.
  `
  CREATE TABLE chunks_v3 (
    series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    first_step INTEGER NOT NULL,
    last_step INTEGER NOT NULL,
    n INTEGER NOT NULL,
    min REAL,
    max REAL,
    last REAL,
    last_time REAL,
    data BLOB NOT NULL,
    PRIMARY KEY (series_id, first_step)
  );
  INSERT INTO chunks_v3 (series_id, first_step, last_step, n, min, max, last, data)
    SELECT series_id, first_step, last_step, n, min, max, last, data FROM chunks;
  DROP TABLE chunks;
  ALTER TABLE chunks_v3 RENAME TO chunks;
  `,
  // 4: console output, a row per line numbered per run (seq 1, 2, …) in the order written.
  `
  CREATE TABLE console_lines (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    stream TEXT NOT NULL,
    at REAL NOT NULL,
    text TEXT NOT NULL,
    truncated INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;
  `,
  // 5: artifacts: versions numbered per (project, name), a digest once per name (a replayed
  // manifest is the same version), and aliases; \`latest\` is the highest version, not a
  // row. No foreign key to runs: artifacts outlive the run that logged them.
  `
  CREATE TABLE artifacts (
    project_id INTEGER NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    digest TEXT NOT NULL,
    description TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    manifest TEXT NOT NULL,
    size INTEGER NOT NULL,
    run_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, name, version),
    UNIQUE (project_id, name, digest)
  );
  CREATE INDEX artifacts_by_run ON artifacts (run_id);
  CREATE TABLE artifact_aliases (
    project_id INTEGER NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    alias TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (project_id, name, alias)
  ) WITHOUT ROWID;
  `,
  // 6: rich values (tables, histograms, images, markdown), one per (run, key, step). A rowid
  // table with payload and image bytes last, so listing keys and steps never reads them.
  `
  CREATE TABLE run_values (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    kind TEXT NOT NULL,
    at REAL NOT NULL,
    payload TEXT NOT NULL,
    data BLOB,
    PRIMARY KEY (run_id, key, step)
  );
  `,
]

/** Bring the database to the newest schema, in one transaction. */
export function migrate(db: Database.Database, path: string): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number
  const tooNew = (v: number): TallyError =>
    new TallyError(
      'store_unavailable',
      `${path} has schema version ${v}, newer than this Tally knows (${MIGRATIONS.length}); upgrade Tally (npm install @tally/server@latest) to open it`,
    )
  if (version() > MIGRATIONS.length) throw tooNew(version())
  if (version() === MIGRATIONS.length) return
  // IMMEDIATE, and the version read again inside, so two processes opening a new file at
  // once do not both apply the same step.
  db.transaction(() => {
    const from = version()
    if (from > MIGRATIONS.length) throw tooNew(from)
    for (let v = from; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string)
    db.pragma(`user_version = ${MIGRATIONS.length}`)
  }).immediate()
}
