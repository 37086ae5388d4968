/**
 * Data for a view: load once, then again whenever the board's stream says something the view
 * shows has changed. Reloads are coalesced: while one is in flight, events only mark the data
 * stale, and one more load follows it — so a burst of events costs two requests, not one per
 * event, and an idle board costs none.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { boardStream, type LiveState } from './live.js'
import type { KanbanEvent } from './types.js'

export interface Data<T> {
  data: T | null
  error: unknown
  loading: boolean
  reload: () => void
}

/** The default shortest gap between two reloads live events cause: a busy board is read at most this often per view. */
const MIN_GAP_MS = 250

export function useLiveData<T>(
  board: string | null,
  load: () => Promise<T>,
  deps: readonly unknown[],
  /** which events concern the view (default: every event) */
  matches?: (e: KanbanEvent) => boolean,
  /** the shortest gap between two reloads live events cause */
  minGapMs = MIN_GAP_MS,
): Data<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true })
  const loadRef = useRef(load)
  loadRef.current = load
  const matchRef = useRef(matches)
  matchRef.current = matches
  const gapRef = useRef(minGapMs)
  gapRef.current = minGapMs
  const flight = useRef<{ running: boolean; again: boolean; last: number; timer: ReturnType<typeof setTimeout> | null; gen: number }>({
    running: false,
    again: false,
    last: 0,
    timer: null,
    gen: 0,
  })

  const run = useCallback(() => {
    const f = flight.current
    if (f.running) {
      f.again = true
      return
    }
    const wait = f.last + gapRef.current - Date.now()
    if (wait > 0) {
      if (!f.timer) f.timer = setTimeout(() => ((f.timer = null), run()), wait)
      return
    }
    f.running = true
    f.last = Date.now()
    const gen = f.gen
    loadRef
      .current()
      .then(
        (data) => gen === f.gen && setState({ data, error: null, loading: false }),
        (error: unknown) => gen === f.gen && setState((s) => ({ data: s.data, error, loading: false })),
      )
      .finally(() => {
        f.running = false
        if (f.again) {
          f.again = false
          run()
        }
      })
  }, [])

  // a change of what the view asks for: start again, dropping answers to the old question
  useEffect(() => {
    const f = flight.current
    f.gen++
    f.running = false
    f.again = false
    f.last = 0
    setState((s) => ({ data: s.data, error: null, loading: true }))
    run()
  }, deps)

  useEffect(() => {
    if (!board) return
    return boardStream(board).subscribe((s) => {
      if (s.type === 'fleet') return
      if (s.type === 'reset' || !matchRef.current || matchRef.current(s.event)) run()
    })
  }, [board, run])

  useEffect(
    () => () => {
      const f = flight.current
      f.gen++
      if (f.timer) clearTimeout(f.timer)
    },
    [],
  )

  return { ...state, reload: run }
}

/** The stream's state, for the header's indicator. */
export function useLiveState(board: string | null): LiveState {
  const [state, setState] = useState<LiveState>('connecting')
  useEffect(() => (board ? boardStream(board).onState(setState) : undefined), [board])
  return state
}

/** Re-render every `ms` (ages on screen move on without reading anything). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(t)
  }, [ms])
  return now
}
