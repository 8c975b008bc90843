import type { AnchorHTMLAttributes, MouseEvent } from 'react'
import { navigate } from '../router'

/**
 * A real link (middle-click and ctrl-click open a tab, the address can be copied) that
 * changes the view in the page on a plain click.
 */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const follow = (e: MouseEvent<HTMLAnchorElement>): void => {
    onClick?.(e)
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(href)
    window.scrollTo(0, 0)
  }
  return <a href={href} onClick={follow} {...rest} />
}
