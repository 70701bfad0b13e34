/**
 * Two small helpers for adapters that emulate retained messages by subscribing, then reading
 * the stored values (Redis keys, NATS key-value buckets):
 *
 * - `createTickBatcher`: subscriptions asked for in the same tick (the runtime asks for state
 *   and status at once) are handled together: one subscribe call and one read for all.
 * - `createReadGate`: counts the reads in progress, so that background work (the will sweep
 *   after a connect, which shares the connection) waits until the reads a caller is waiting
 *   for are done, and does not delay them.
 */

/** Collects the items added in one tick and runs them together; every `add` resolves when its batch has run. */
export function createTickBatcher<T>(run: (items: readonly T[]) => Promise<void>): (item: T) => Promise<void> {
  let batch: { readonly items: T[]; readonly promise: Promise<void> } | undefined;
  return (item) => {
    if (batch === undefined) {
      const items: T[] = [];
      const promise = (async () => {
        await undefined;
        batch = undefined;
        await run(items);
      })();
      batch = { items, promise };
    }
    batch.items.push(item);
    return batch.promise;
  };
}

export interface ReadGate {
  /** Runs `read`, counted as in progress until it settles. */
  track<T>(read: () => Promise<T>): Promise<T>;
  /**
   * Runs `work` on the next turn once no read is in progress. setImmediate: a caller
   * reacting to connect() or to a subscribe resolving has sent its commands by then.
   */
  afterReads(work: () => void): void;
}

export function createReadGate(): ReadGate {
  let inFlight = 0;
  let waiting: (() => void)[] = [];
  const end = (): void => {
    if (--inFlight > 0) return;
    const ready = waiting;
    waiting = [];
    for (const run of ready) run();
  };
  return {
    async track(read) {
      inFlight++;
      try {
        return await read();
      } finally {
        end();
      }
    },
    afterReads(work) {
      setImmediate(() => {
        if (inFlight === 0) work();
        else waiting.push(() => setImmediate(work));
      });
    },
  };
}

/**
 * `Bus.subscribe` for adapters that emulate retained messages: patterns asked for in one
 * tick are subscribed together first, then their stored values are read (counted by `reads`),
 * so an update in between is seen live, read, or both — never neither.
 */
export function createSubscribeThenRead(
  reads: ReadGate,
  subscribe: (patterns: readonly string[]) => Promise<void>,
  read: (patterns: readonly string[]) => Promise<void>,
): (pattern: string) => Promise<void> {
  return createTickBatcher<string>((wanted) =>
    reads.track(async () => {
      await subscribe(wanted);
      await read(wanted);
    }),
  );
}
