/**
 * The payloads an owner published on one of its domains and has not yet seen come back
 * from the bus, oldest first. The broker delivers one publisher's messages in order, so an
 * echo is (nearly always) the head; recognising it by its bytes spares the JSON.parse of
 * a message whose content is already applied. Bounded: echoes can be lost (a reconnect),
 * and then the oldest entries are dropped.
 */
export interface EchoQueue {
  /** Remember a payload about to be published. */
  remember(payload: Buffer): void;
  /** Is this the echo of a remembered payload? If so it and everything older are forgotten. */
  take(payload: Buffer): boolean;
  /** Payloads pending. */
  readonly size: number;
  clear(): void;
}

export interface EchoQueueLimits {
  readonly maxItems: number;
  readonly maxBytes: number;
}

export const DEFAULT_ECHO_LIMITS: EchoQueueLimits = { maxItems: 4_096, maxBytes: 16 * 1024 * 1024 };

export function createEchoQueue(limits: EchoQueueLimits = DEFAULT_ECHO_LIMITS): EchoQueue {
  /** Consumed slots before `head` are `undefined` until the prefix is cut. Reused, never reallocated. */
  const items: (Buffer | undefined)[] = [];
  let head = 0;
  let bytes = 0;

  const dropThrough = (last: number): void => {
    for (let k = head; k <= last; k++) {
      bytes -= items[k]!.byteLength;
      items[k] = undefined;
    }
    head = last + 1;
    if (head === items.length) {
      items.length = 0;
      head = 0;
    } else if (head >= 64 && head * 2 >= items.length) {
      // Amortised O(1): the consumed prefix is cut once it is as long as what is left.
      items.splice(0, head);
      head = 0;
    }
  };

  return {
    remember(payload) {
      items.push(payload);
      bytes += payload.byteLength;
      let overflow = head - 1;
      let excessItems = items.length - head - limits.maxItems;
      let excessBytes = bytes - limits.maxBytes;
      while (excessItems > 0 || excessBytes > 0) {
        overflow++;
        excessItems--;
        excessBytes -= items[overflow]!.byteLength;
      }
      if (overflow >= head) dropThrough(overflow);
    },
    take(payload) {
      for (let i = head; i < items.length; i++) {
        if (!items[i]!.equals(payload)) continue;
        dropThrough(i);
        return true;
      }
      return false;
    },
    get size() {
      return items.length - head;
    },
    clear() {
      items.length = 0;
      head = 0;
      bytes = 0;
    },
  };
}
