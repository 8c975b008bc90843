/**
 * Which charts a project shows: one per metric key of any of its runs, in sections by the
 * part of the key before its first `/` (`train/loss` goes under "train"; a key without one
 * under ""), narrowed by the metric search (`?metrics=loss acc`: a key matching any word).
 */
export interface Section {
  name: string
  keys: string[]
}

export function sectionsOf(keys: Iterable<string>, search: string): Section[] {
  const words = search
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean)
  const bySection = new Map<string, string[]>()
  for (const key of new Set(keys)) {
    const k = key.toLowerCase()
    if (words.length > 0 && !words.some((w) => k.includes(w))) continue
    const slash = key.indexOf('/')
    const name = slash > 0 ? key.slice(0, slash) : ''
    const list = bySection.get(name) ?? []
    list.push(key)
    bySection.set(name, list)
  }
  return [...bySection.entries()]
    .sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))
    .map(([name, list]) => ({ name, keys: list.sort((a, b) => a.localeCompare(b)) }))
}
