/** Moving between views: the hash changes, the page does not reload. */
import { useEffect, useState } from 'react'
import { parseHash, type Route } from './paths.js'

export { href, parseHash, taskHref, VIEWS, type Route, type View } from './paths.js'

export function navigate(h: string, replace = false): void {
  if (replace) history.replaceState(null, '', h)
  else history.pushState(null, '', h)
  window.dispatchEvent(new HashChangeEvent('hashchange'))
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash))
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  return route
}
