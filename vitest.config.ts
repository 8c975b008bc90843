import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run against the sources; child processes in tests run the built dist.
    alias: [
      { find: /^@tally\/sdk\/spool$/, replacement: src('./packages/sdk/src/spool/index.ts') },
      { find: /^@tally\/sdk\/tora$/, replacement: src('./packages/sdk/src/tora/index.ts') },
      { find: /^@tally\/sdk\/trackio$/, replacement: src('./packages/sdk/src/trackio/index.ts') },
      { find: /^@tally\/sdk\/tracelet$/, replacement: src('./packages/sdk/src/tracelet/index.ts') },
      { find: /^@tally\/sdk$/, replacement: src('./packages/sdk/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    globalSetup: ['packages/server/src/test/test-postgres-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
