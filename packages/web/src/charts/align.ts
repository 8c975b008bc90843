/**
 * uPlot draws every series of a chart against one x array. Runs log at different steps (and
 * a sparse metric only every so often), so their series are aligned on the union of their
 * steps: where a run has no point at a step its value is `undefined`, which uPlot joins
 * across (the line goes from one real point to the next); a NaN stays `null`, which uPlot
 * draws as a gap. No value is ever made up.
 */
export type Ys = (number | null | undefined)[]

export interface Columns {
  x: readonly number[]
  /** Series sharing this run's x, e.g. line, band low, band high. */
  ys: readonly (readonly (number | null)[])[]
}

/** `[xs, ...every table's ys in order]`, the x array sorted ascending without repeats. */
export function alignColumns(tables: readonly Columns[]): [number[], ...Ys[]] {
  const all = new Set<number>()
  for (const t of tables) for (const x of t.x) all.add(x)
  const xs = [...all].sort((a, b) => a - b)
  const index = new Map(xs.map((x, i) => [x, i]))
  const out: [number[], ...Ys[]] = [xs]
  for (const t of tables) {
    for (const ys of t.ys) {
      const aligned: Ys = new Array(xs.length).fill(undefined)
      t.x.forEach((x, i) => {
        aligned[index.get(x) as number] = ys[i] ?? null
      })
      out.push(aligned)
    }
  }
  return out
}

/**
 * The index nearest `idx` where `ys` has a value to show (a number, or null for a NaN
 * point), or undefined when the series has none. Hovering a step where a sparse metric was
 * not logged shows its nearest point.
 */
export function nearestPoint(xs: readonly number[], ys: Ys, idx: number): number | undefined {
  let left = idx
  let right = idx
  while (left >= 0 && ys[left] === undefined) left--
  while (right < ys.length && ys[right] === undefined) right++
  const x = xs[idx] as number
  if (left < 0) return right < ys.length ? right : undefined
  if (right >= ys.length) return left
  return x - (xs[left] as number) <= (xs[right] as number) - x ? left : right
}
