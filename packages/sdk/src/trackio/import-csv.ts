import { readFileSync } from 'node:fs'
import { TallyError } from '../errors.js'
import { Run } from '../run.js'
import { trackioRows } from './csv.js'

export interface ImportCsvOptions {
  /** Where the spool and store live. Default: `TALLY_DIR`, else `~/.tally`. */
  dir?: string
  /** Print the run's address on stderr. Default false. */
  quiet?: boolean
}

/**
 * Log a CSV as a new, finished run of `project`: a `step` column, an optional `timestamp`
 * column (not kept: points get the import's time), and a metric per other column.
 * Returns the run's id.
 *
 * @example
 * const id = await trackio.importCsv('metrics.csv', 'my-project', 'from-csv')
 */
export async function importCsv(path: string, project: string, name?: string, options: ImportCsvOptions = {}): Promise<string> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new TallyError(
      'invalid_argument',
      `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): pass the path of a CSV file`,
    )
  }
  // Parse the whole file before the run exists, so a bad file leaves no half-imported run.
  const rows = trackioRows(text, path)
  const run = new Run({
    project,
    ...(name !== undefined && { name }),
    ...(options.dir !== undefined && { dir: options.dir }),
    capture: false,
    quiet: options.quiet ?? true,
  })
  try {
    for (const row of rows) if (Object.keys(row.metrics).length > 0) run.log(row.metrics, { step: row.step })
  } catch (e) {
    await run.finish({ status: 'failed', error: (e as Error).message })
    throw e
  }
  await run.finish()
  return run.id
}
