// Writes <name>.tsp for every <name>.json here with the TypeScript codec (run `npm run build` first).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeEvent, encodeHeader, encodePoints, untagNonFinite } from '../../packages/sdk/dist/spool/index.js'

const here = dirname(fileURLToPath(import.meta.url))

export function encodeVector(description) {
  const parts = [encodeHeader()]
  for (const r of description.records) {
    if (r.event) {
      parts.push(encodeEvent(r.seq, untagNonFinite(r.event)))
    } else {
      const p = untagNonFinite(r.points)
      parts.push(
        encodePoints(r.seq, {
          keys: p.keys,
          steps: Float64Array.from(p.steps),
          times: Float64Array.from(p.times),
          counts: Uint32Array.from(p.counts),
          keyIndex: Uint32Array.from(p.keyIndex),
          values: Float64Array.from(p.values),
        }),
      )
    }
  }
  return Buffer.concat(parts)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const f of readdirSync(here).filter((n) => n.endsWith('.json'))) {
    const bytes = encodeVector(JSON.parse(readFileSync(join(here, f), 'utf8')))
    writeFileSync(join(here, f.replace(/\.json$/, '.tsp')), bytes)
    console.log(`${f.replace(/\.json$/, '.tsp')}: ${bytes.length} bytes`)
  }
}
