/**
 * Light or dark: Trackio's embedding parameter `theme=light|dark` wins, so an embedded
 * dashboard matches the page around it; without it the system's preference, followed as it
 * changes. The choice goes on `<html data-theme>`, which styles.css keys its colours on.
 */
import { useEffect } from 'react'

export type Theme = 'light' | 'dark'

/** The theme a URL asks for, or undefined to follow the system. */
export function themeParam(params: URLSearchParams): Theme | undefined {
  const t = params.get('theme')
  return t === 'light' || t === 'dark' ? t : undefined
}

const systemDark = (): MediaQueryList => window.matchMedia('(prefers-color-scheme: dark)')

/** Put the theme on the document now (before the first render, so no flash of the other one). */
export function applyTheme(asked: Theme | undefined): void {
  document.documentElement.dataset.theme = asked ?? (systemDark().matches ? 'dark' : 'light')
}

/** Keep the document's theme on what the URL asks for, or on the system's as it changes. */
export function useTheme(asked: Theme | undefined): void {
  useEffect(() => {
    applyTheme(asked)
    if (asked !== undefined) return
    const media = systemDark()
    const follow = (): void => applyTheme(undefined)
    media.addEventListener('change', follow)
    return () => media.removeEventListener('change', follow)
  }, [asked])
}
