/**
 * The retained messages under one topic pattern, read as a pure observer, within a bounded
 * time. A bus that says when its retained state is delivered (Redis: `subscribe` resolves
 * after the keys are read) is done then. MQTT has no end-of-retained marker: the broker
 * sends them right after the SUBACK, so reading ends once every expected topic has arrived
 * and nothing more came for `settleMs`, and in any case at `timeoutMs`.
 */
import type { Bus } from '../bus/bus.js';

export interface RetainedRead {
  /** Topic → the latest payload seen (retained, or a live update that replaced it meanwhile). */
  readonly messages: ReadonlyMap<string, Buffer>;
  /** True when reading ended at the timeout with expected topics still missing. */
  readonly timedOut: boolean;
}

export interface ReadRetainedOptions {
  readonly pattern: string;
  /** Topics that should hold a retained message (the system's state topics). */
  readonly expected: readonly string[];
  readonly timeoutMs: number;
  /** Quiet time after the last message, once every expected topic arrived (MQTT). Default 200 ms. */
  readonly settleMs?: number;
}

export async function readRetained(bus: Bus, options: ReadRetainedOptions): Promise<RetainedRead> {
  const messages = new Map<string, Buffer>();
  const missing = new Set(options.expected);
  const settleMs = options.settleMs ?? 200;
  let wake: (() => void) | undefined;
  let settle: NodeJS.Timeout | undefined;
  const finished = new Promise<void>((resolve) => (wake = resolve));
  const armSettle = (): void => {
    clearTimeout(settle);
    if (missing.size === 0) settle = setTimeout(() => wake?.(), settleMs);
  };
  const stop = bus.onMessage(({ topic, payload }) => {
    messages.set(topic, payload);
    missing.delete(topic);
    armSettle();
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.timeoutMs)));
  try {
    const subscribed = bus.subscribe(options.pattern).then(() => {
      if (bus.retainedDeliveredOnSubscribe) wake?.();
      else armSettle();
    });
    const outcome = await Promise.race([Promise.all([subscribed, finished]).then(() => 'done' as const), deadline]);
    return { messages, timedOut: outcome === 'timeout' && missing.size > 0 };
  } finally {
    clearTimeout(timer);
    clearTimeout(settle);
    stop();
  }
}
