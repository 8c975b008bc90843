// better-sqlite3 as the server package resolves it, for benchmarks that inspect the file.
import { createRequire } from 'node:module'

const require = createRequire(new URL('../packages/server/package.json', import.meta.url))
export const Database = require('better-sqlite3')
