/**
 * A chart as a PNG: uPlot's canvas (at the device's pixel ratio, as drawn) with the metric
 * key above it and a legend of run names and colours below, on the page's background.
 */
export interface PngLegendEntry {
  name: string
  color: string
}

export function chartPng(
  plot: HTMLCanvasElement,
  title: string,
  legend: readonly PngLegendEntry[],
  style: { fg: string; bg: string; font: string },
): Promise<Blob> {
  const ratio = plot.width / Math.max(1, plot.clientWidth || plot.width)
  const line = Math.round(18 * ratio)
  const pad = Math.round(8 * ratio)
  const font = (px: number, weight = ''): string => `${weight} ${Math.round(px * ratio)}px ${style.font}`.trim()
  // Legend entries flow left to right, wrapping at the canvas width.
  const measure = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D
  measure.font = font(12)
  const swatch = Math.round(10 * ratio)
  const rows: { x: number; entry: PngLegendEntry }[][] = [[]]
  let x = pad
  for (const entry of legend) {
    const w = swatch + pad / 2 + measure.measureText(entry.name).width + pad * 2
    if (x + w > plot.width && x > pad) {
      rows.push([])
      x = pad
    }
    ;(rows[rows.length - 1] as { x: number; entry: PngLegendEntry }[]).push({ x, entry })
    x += w
  }
  const top = line + pad * 2
  const canvas = document.createElement('canvas')
  canvas.width = plot.width
  canvas.height = top + plot.height + rows.length * line + pad * 2
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D
  ctx.fillStyle = style.bg
  ctx.fillRect(0, 0, canvas.width, canvas.height)
  ctx.fillStyle = style.fg
  ctx.textBaseline = 'middle'
  ctx.font = font(14, '600')
  ctx.fillText(title, pad, pad + line / 2)
  ctx.drawImage(plot, 0, top)
  ctx.font = font(12)
  rows.forEach((row, r) => {
    const y = top + plot.height + pad + r * line + line / 2
    for (const { x, entry } of row) {
      ctx.fillStyle = entry.color
      ctx.fillRect(x, y - swatch / 2, swatch, swatch)
      ctx.fillStyle = style.fg
      ctx.fillText(entry.name, x + swatch + pad / 2, y)
    }
  })
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the browser could not encode the chart as PNG'))), 'image/png'),
  )
}

/** Hand `blob` to the browser as a download named `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  // Revoked after the click has been handled, or the download can find nothing.
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
