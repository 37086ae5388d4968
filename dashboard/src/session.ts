/** Who is signed in, on which board, and the page's announcer — shared by every view. */
import { createContext, useContext } from 'react'
import type { BoardSettings, Me } from './types.js'

export interface Session {
  me: Me
  board: string
  boards: string[]
  /** the board's settings (failure limit for "failures vs limit"); null until read */
  settings: BoardSettings | null
  /** say something to screen readers and show it in the status line */
  announce: (message: string) => void
}

export const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside the signed-in page')
  return s
}
