/** A store's watchers (`Store.watch`), told of each change once it is committed. */
import type { StoreChange } from './store.js'

export type Watcher = (change: StoreChange) => void

export class Watchers {
  private readonly listeners = new Set<Watcher>()

  get size(): number {
    return this.listeners.size
  }

  /** Returns a function that stops the watcher. */
  add(listener: Watcher): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(change: StoreChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change)
      } catch {
        // A failing listener must not undo or break a committed change.
      }
    }
  }

  clear(): void {
    this.listeners.clear()
  }
}

/** What one ingest call changed in a run: the run itself (any event but a heartbeat), and points of `keys`. */
export function ingestChanges(
  where: { workspace: string; project: string; runId: string },
  runChanged: boolean,
  keys: string[],
  console = false,
): StoreChange[] {
  const changes: StoreChange[] = []
  if (runChanged) changes.push({ type: 'run', ...where })
  if (keys.length > 0) changes.push({ type: 'points', ...where, keys })
  if (console) changes.push({ type: 'console', ...where })
  return changes
}
