/**
 * Which rows of a long list to put in the DOM: those in the scrolled viewport plus some
 * overscan either side, with the heights of the rows left out before and after them, so the
 * scroll bar is that of the whole list. Every row has the same height.
 */

export interface WindowInput {
  count: number
  rowHeight: number
  /** The scroll container's scrollTop, measured from the first row (below any header). */
  scrollTop: number
  viewportHeight: number
  /** Rows drawn beyond each edge of the viewport. */
  overscan: number
}

export interface VirtualWindow {
  /** The first row drawn, and one past the last. */
  start: number
  end: number
  /** Height of the rows not drawn above and below. */
  before: number
  after: number
}

export function virtualWindow({ count, rowHeight, scrollTop, viewportHeight, overscan }: WindowInput): VirtualWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, before: 0, after: 0 }
  const top = Math.max(0, scrollTop)
  const first = Math.min(count - 1, Math.floor(top / rowHeight))
  const last = Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight)
  const start = Math.max(0, first - overscan)
  const end = Math.min(count, Math.max(last, first + 1) + overscan)
  return { start, end, before: start * rowHeight, after: (count - end) * rowHeight }
}
