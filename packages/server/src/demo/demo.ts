/**
 * `npm start`: write a demo project into ./.tally-demo (TALLY_DIR) and open it in the
 * dashboard. Seven runs trained over the last hours (finished, failed, crashed); one more
 * trains live in a child process while the dashboard is open. Ctrl-C stops both.
 */
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli } from '../cli/cli.js'
import { DEMO_PROJECT, writePastRuns } from './demo-project.js'

const dir = resolve(process.env.TALLY_DIR ?? '.tally-demo')
rmSync(dir, { recursive: true, force: true })
const past = writePastRuns(dir)

const live = spawn(process.execPath, [fileURLToPath(new URL('./live-run.js', import.meta.url))], {
  env: { ...process.env, TALLY_DIR: dir },
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
})
const liveExited = new Promise<void>((done) => live.once('exit', () => done()))
process.stdout.write(`Logged ${past.length} demo runs into ${dir}; one more is training now.\n`)

// `tally ui` says where it listens on stderr; the demo adds the page to open.
const stderr = {
  write: (s: string): boolean => {
    process.stderr.write(s)
    const url = /listening on (http:\/\/\S+)/.exec(s)?.[1]
    if (url !== undefined) {
      process.stdout.write(
        `\n  Tally dashboard: ${url}/?project=${DEMO_PROJECT}\n\n` +
          `  The same runs from the command line: TALLY_DIR=${dir} npx tally runs ${DEMO_PROJECT}\n` +
          '  Ctrl-C stops the dashboard and the run that is training.\n\n',
      )
    }
    return true
  },
}

let code: number
try {
  code = await runCli(['ui'], { stdout: process.stdout, stderr, env: { ...process.env, TALLY_DIR: dir } })
} catch (e) {
  const error = e as NodeJS.ErrnoException
  const why =
    error.code === 'EADDRINUSE'
      ? 'its port is in use (another tally ui?); stop that one, or pick a port: TALLY_PORT=4848 npm start'
      : error.message
  process.stderr.write(`demo: could not start the dashboard: ${why}\n`)
  code = 1
}
if (live.connected) live.disconnect()
await Promise.race([liveExited, new Promise((r) => setTimeout(r, 3000).unref())])
process.exit(code)
