/**
 * The worker's own lease clock (docs/failover.md#cut-off-from-redis). A worker that cannot
 * reach Redis — a cut network, a paused proxy, a frozen connection — hears nothing back
 * from its renewals: no refusal, no error, just silence. The dispatcher reclaims the run
 * once its lease expires and another worker may take the task, so the cut-off worker must
 * stop on its own before then. The guard keeps a local deadline: a lease renewal reaching
 * Redis no earlier than it was sent, the lease runs at least `ttlMs` from the send; past
 * `ttlMs - margin` from the last send that Redis accepted, the handler is aborted with a
 * LeaseLostError. Only the local monotonic clock is read: no clock is compared with Redis's.
 */

/** The reason a handler's signal carries when its worker could not renew the lease in time. */
export class LeaseLostError extends Error {
  /** machine-readable: `signal.reason.reason === 'lease_lost'` */
  readonly reason = 'lease_lost' as const
  constructor(
    readonly taskId: string,
    readonly runId: string,
    /** ms since the last renewal (or claim) that Redis accepted was sent */
    readonly silentMs: number,
    readonly ttlMs: number,
  ) {
    super(
      `lease_lost: no lease renewal of run ${runId} was acknowledged for ${silentMs} ms (lease ${ttlMs} ms); ` +
        `the handler is stopped before the lease expires and the task can go to another worker`,
    )
    this.name = 'LeaseLostError'
  }
}

/** How long before the lease would expire the guard aborts: a fifth of it, 100 ms to 5 s. */
export function leaseMarginMs(ttlMs: number): number {
  return Math.min(5000, Math.max(100, Math.floor(ttlMs / 5)))
}

const now = () => performance.now()

export class LeaseGuard {
  private timer: NodeJS.Timeout | undefined
  private lastAck: number
  private stopped = false

  /**
   * `since`: when the claim that began the lease was sent (performance.now() time); `onLost`
   * runs once, at the deadline, unless a renewal or stop() came first.
   */
  constructor(
    private readonly ttlMs: number,
    since: number,
    private readonly onLost: (silentMs: number) => void,
  ) {
    this.lastAck = since
    this.arm()
  }

  /** A renewal sent at `sentAt` (performance.now() time) was accepted: the deadline moves. */
  renewed(sentAt: number): void {
    if (this.stopped || sentAt <= this.lastAck) return
    this.lastAck = sentAt
    this.arm()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private arm(): void {
    clearTimeout(this.timer)
    const deadline = this.lastAck + this.ttlMs - leaseMarginMs(this.ttlMs)
    this.timer = setTimeout(
      () => {
        if (this.stopped) return
        // a timer may fire a fraction of a ms early
        if (now() < deadline) return this.arm()
        this.stopped = true
        this.onLost(Math.floor(now() - this.lastAck))
      },
      Math.max(0, Math.ceil(deadline - now())),
    )
    this.timer.unref()
  }
}

/** The time a call is sent, on the guard's clock. */
export const leaseClock = now
