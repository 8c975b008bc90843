/**
 * Selected and hidden runs as sets of ids, kept in the URL as lists (`sel=`, `hide=`). The
 * functions return new lists in a stable order so the URL does not reshuffle on each click.
 */

/** `ids` with `id` added at the end, or removed when it is there. */
export function toggleId(ids: readonly string[], id: string): string[] {
  return ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]
}

export type AllState = 'none' | 'some' | 'all'

/** Whether none, some or all of the shown runs are selected (the select-all box's state). */
export function selectAllState(shown: readonly string[], selected: ReadonlySet<string>): AllState {
  let n = 0
  for (const id of shown) if (selected.has(id)) n++
  if (n === 0) return 'none'
  return n === shown.length ? 'all' : 'some'
}

/**
 * What the select-all box does: with every shown run selected, unselect the shown ones
 * (keeping any selected run the filter hides); otherwise add the shown ones not yet selected.
 */
export function toggleAll(shown: readonly string[], selected: readonly string[]): string[] {
  const set = new Set(selected)
  if (selectAllState(shown, set) === 'all') {
    const drop = new Set(shown)
    return selected.filter((id) => !drop.has(id))
  }
  return [...selected, ...shown.filter((id) => !set.has(id))]
}

/** The ids of `ids` that name one of `runs`: a link that selects a deleted run selects nothing. */
export function existing(ids: readonly string[], known: ReadonlySet<string>): string[] {
  return ids.filter((id) => known.has(id))
}
