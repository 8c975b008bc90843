/**
 * A run's colour, from its id alone: the same run has the same colour in every table,
 * chart and browser, whatever else is shown beside it. FNV-1a spreads similar ids apart;
 * the hue takes the hash, lightness and saturation stay in a band readable on light and
 * dark backgrounds.
 */
export function runColor(id: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  const hue = h % 360
  const saturation = 55 + ((h >>> 9) % 20)
  const lightness = 42 + ((h >>> 17) % 12)
  return `hsl(${hue} ${saturation}% ${lightness}%)`
}

/** A run's colour, see-through: `alpha` from 0 to 1, for what is drawn behind its line. */
export function runColorAlpha(id: string, alpha: number): string {
  return runColor(id).replace(/\)$/, ` / ${alpha})`)
}
