/**
 * A TCP proxy on loopback for partition tests. `cut()` stops forwarding in both directions
 * without closing anything — as a partition looks to both ends: the sockets stay open, no
 * reply, no error, no reset. `heal()` delivers what was held back, in order, as TCP does
 * once a partition heals within its retransmission timeouts.
 */
import net from 'node:net'

export interface TcpProxy {
  /** `redis://127.0.0.1:<port>` */
  url: string
  port: number
  cut(): void
  heal(): void
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let isCut = false
  const pending: (() => void)[] = []
  const sockets = new Set<net.Socket>()
  const forward = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => {
      if (isCut) pending.push(() => to.write(chunk))
      else to.write(chunk)
    })
    from.on('close', () => to.destroy())
    from.on('error', () => to.destroy())
  }
  const server = net.createServer((client) => {
    const upstream = net.connect(target)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    }
    forward(client, upstream)
    forward(upstream, client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    cut: () => {
      isCut = true
    },
    heal: () => {
      isCut = false
      for (const send of pending.splice(0)) send()
    },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
