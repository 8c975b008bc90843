/**
 * TensorBoard's smoothing: an exponential moving average debiased by 1 - weight^n, so the
 * first points are not dragged toward zero. A non-finite value (a NaN gap, ±Infinity, null)
 * passes through as it is and leaves the average alone, as TensorBoard does.
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight > 0)) return [...values]
  const w = Math.min(weight, 0.999)
  let last = 0
  let n = 0
  return values.map((y) => {
    if (y === null || !Number.isFinite(y)) return y
    last = last * w + (1 - w) * y
    n++
    return last / (1 - w ** n)
  })
}

/** The smoothing a URL asks for: a number from 0 to 0.999, else 0. */
export function parseSmoothing(text: string | null): number {
  const v = Number(text)
  if (text === null || text === '' || !Number.isFinite(v) || v <= 0) return 0
  return Math.min(v, 0.999)
}
