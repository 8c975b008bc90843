import { type RefObject, useEffect, useState } from 'react'

/**
 * True once the element has come near the viewport, and from then on: a chart is drawn
 * (and its data fetched) only when someone scrolls to it, so a project with hundreds of
 * metric keys opens as fast as one with three.
 */
export function useInView(ref: RefObject<Element | null>, margin = '300px'): boolean {
  const [seen, setSeen] = useState(false)
  useEffect(() => {
    const el = ref.current
    if (seen || el === null) return
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setSeen(true)
      },
      { rootMargin: margin },
    )
    observer.observe(el)
    return () => observer.disconnect()
  }, [ref, seen, margin])
  return seen
}

/** The element's content width in CSS pixels, following resizes. */
export function useWidth(ref: RefObject<Element | null>): number {
  const [width, setWidth] = useState(0)
  useEffect(() => {
    const el = ref.current
    if (el === null) return
    const observer = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)))
    observer.observe(el)
    setWidth(Math.floor(el.clientWidth))
    return () => observer.disconnect()
  }, [ref])
  return width
}
