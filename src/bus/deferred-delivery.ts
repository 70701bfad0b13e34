import type { BusMessage } from './bus.js';

/**
 * The messages of one connection, handed to `deliver` in order on a later turn (as from a
 * real socket), never inside the publish that queued them. What is queued while a batch is
 * delivered waits for the next turn, so a listener that publishes cannot starve the loop.
 */
export interface DeferredDelivery {
  push(message: BusMessage): void;
  /** Forget everything not yet delivered (the connection closed). */
  clear(): void;
}

export function createDeferredDelivery(deliver: (message: BusMessage) => void): DeferredDelivery {
  const queue: BusMessage[] = [];
  let scheduled = false;

  const drain = (): void => {
    scheduled = false;
    const count = queue.length;
    for (let i = 0; i < count; i++) {
      deliver(queue[i]!);
    }
    queue.splice(0, count);
    if (queue.length > 0) schedule();
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  };

  return {
    push(message) {
      queue.push(message);
      schedule();
    },
    clear() {
      queue.length = 0;
    },
  };
}
