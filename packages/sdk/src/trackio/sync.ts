import { TallyError } from '../errors.js'
import { type SyncReport, syncSpool } from '../remote/index.js'
import { tallyDir } from '../resolve.js'

export interface TrackioSyncOptions {
  /** The local project to copy. */
  project: string
  /** The team server (`tally serve`). Default: `TALLY_SERVER_URL`. */
  serverUrl?: string
  /** A writer key of its workspace. Default: `TALLY_API_KEY`. */
  apiKey?: string
  /** The server's workspace. Default: `TALLY_WORKSPACE`, else "default". */
  workspace?: string
  /** The local Tally directory. Default: `TALLY_DIR`, else `~/.tally`. */
  dir?: string
}

/**
 * Copy a local project's runs to a team server, where Trackio syncs to a Space. Idempotent:
 * what the server has is not stored twice, so it can run again after more logging.
 *
 * @example
 * await trackio.sync({ project: 'my-project', serverUrl: 'https://tally.example.com', apiKey: process.env.TALLY_API_KEY })
 */
export async function sync(options: TrackioSyncOptions): Promise<SyncReport> {
  if (options === null || typeof options !== 'object' || typeof options.project !== 'string') {
    throw new TallyError('invalid_argument', "trackio.sync needs a project: sync({ project: 'my-project', serverUrl })")
  }
  const { project, serverUrl, apiKey, workspace, dir } = options
  return syncSpool(tallyDir(dir), {
    project,
    all: true,
    ...(serverUrl !== undefined && { serverUrl }),
    ...(apiKey !== undefined && { apiKey }),
    ...(workspace !== undefined && { workspace }),
  })
}
