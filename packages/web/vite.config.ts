/**
 * Builds the dashboard into @tally/server's dist/web, where `tally ui` and `tally serve`
 * serve it. `npm run dev -w packages/web` serves it with hot reload instead and sends API
 * calls to a running `tally ui` (TALLY_URL, default http://127.0.0.1:4747).
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../server/dist/web', import.meta.url)),
    // The folder is outside this package, so Vite must be told it may empty it.
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': { target: process.env.TALLY_URL ?? 'http://127.0.0.1:4747', changeOrigin: true } },
  },
})
