/**
 * Coalesces concurrent calls of one operation into batch calls: at most `maxInFlight`
 * batches are on the wire at once, and calls made meanwhile wait and go together in the
 * next one (at most `maxBatch` items). A lone call goes out at once, so nothing waits
 * for a timer; under load, round trips and per-call script overhead are shared. Each
 * caller gets its own result, or the batch's error.
 */
export class Coalescer<I, O> {
  private readonly queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = []
  private inFlight = 0
  private idleWaiters: (() => void)[] = []

  constructor(
    private readonly send: (items: I[]) => Promise<O[]>,
    private readonly maxInFlight = 2,
    private readonly maxBatch = 50,
  ) {}

  /** Resolves once nothing is queued or on the wire (e.g. before closing the connection). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve()
    return new Promise((r) => this.idleWaiters.push(r))
  }

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      this.flush()
    })
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch)
      this.inFlight++
      this.send(batch.map((b) => b.item))
        .then(
          (outs) => batch.forEach((b, i) => b.resolve(outs[i]!)),
          (e: unknown) => batch.forEach((b) => b.reject(e)),
        )
        .finally(() => {
          this.inFlight--
          this.flush()
          if (this.inFlight === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w()
        })
    }
  }
}
