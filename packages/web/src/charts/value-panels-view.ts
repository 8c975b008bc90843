/** The project page's rich value panels: which keys the charted runs have, and which runs have each. */
import type { ValueKeyJson, ValueKindJson } from '@tally/sdk/api'

export interface ValuePanel {
  key: string
  /** The kind most of its runs last logged; runs may differ, each is drawn by its own. */
  kind: ValueKindJson
  /** The runs with a value under the key, in the order given, with their last step. */
  runs: { runId: string; lastStep: number }[]
}

/** One panel per key any of `runIds` has, sorted by key; runs keep the given (table) order. */
export function valuePanels(runIds: readonly string[], keysOf: ReadonlyMap<string, readonly ValueKeyJson[]>): ValuePanel[] {
  const panels = new Map<string, ValuePanel & { kinds: Map<ValueKindJson, number> }>()
  for (const runId of runIds) {
    for (const k of keysOf.get(runId) ?? []) {
      let p = panels.get(k.key)
      if (p === undefined) {
        p = { key: k.key, kind: k.kind, runs: [], kinds: new Map() }
        panels.set(k.key, p)
      }
      p.runs.push({ runId, lastStep: k.lastStep })
      p.kinds.set(k.kind, (p.kinds.get(k.kind) ?? 0) + 1)
    }
  }
  return [...panels.values()]
    .map(({ kinds, ...p }) => ({ ...p, kind: [...kinds].sort((a, b) => b[1] - a[1])[0]?.[0] ?? p.kind }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}
