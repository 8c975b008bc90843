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

/**
 * The smoothing a URL asks for, as an EMA weight from 0 to 0.999 (else 0).
 *
 * Trackio's embedding URLs say `smoothing=5`: a number from 1 to 20 (rounded), the width of a
 * centred rolling mean (at least 3 points). Such a number is read as the EMA whose span
 * matches that window, weight (N − 1) / (N + 1), so a Trackio link smooths about as much
 * here as it did there. A fraction below 1 is Tally's own weight, as the slider writes it.
 */
export function parseSmoothing(text: string | null): number {
  const v = Number(text)
  if (text === null || text === '' || !Number.isFinite(v) || v <= 0) return 0
  if (v < 1) return Math.min(v, 0.999)
  const window = Math.max(3, Math.min(Math.round(v), TRACKIO_MAX_WINDOW))
  return Math.round(((window - 1) / (window + 1)) * 1000) / 1000
}

/** Trackio's smoothing slider goes from 0 to 20. */
const TRACKIO_MAX_WINDOW = 20
