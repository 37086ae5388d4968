/** The Node listener: the app's fetch handler on node:http (@hono/node-server). */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import type { KanbanApp } from './app.js'

export interface Listening {
  server: Server
  /** the port it listens on (the one given, or the free one picked for 0) */
  port: number
  url: string
  /** stops accepting, ends the app (its event streams and brokers), then every connection */
  close(): Promise<void>
}

export function listen(app: KanbanApp, opts: { port: number; host: string }): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host }) as Server
    server.once('error', reject)
    server.once('listening', () => {
      server.off('error', reject)
      const port = (server.address() as AddressInfo).port
      const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host
      let closing: Promise<void> | null = null
      resolve({
        server,
        port,
        url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
        close: () =>
          (closing ??= (async () => {
            const closed = new Promise<void>((r) => server.close(() => r()))
            await app.close()
            server.closeIdleConnections()
            // long-polls still waiting end with the app; what is left gets a moment, then goes
            const timer = setTimeout(() => server.closeAllConnections(), 2000)
            await closed
            clearTimeout(timer)
          })()),
      })
    })
  })
}
