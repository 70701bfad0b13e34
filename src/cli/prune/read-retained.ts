/** Reads the retained messages under some patterns once, then stops listening. */
import { randomBytes } from 'node:crypto';
import { BusError, type Bus } from '../../bus/bus.js';

/**
 * Topics of the retained (non-empty) messages matching `patterns`. On Redis they are all
 * delivered by the time `subscribe` resolves; on MQTT the broker sends them after the
 * SUBACK, so we publish a live marker (on a topic under `markerPrefix`) after subscribing
 * and stop at its echo: brokers deliver to one client in order. `timeoutMs` bounds the wait
 * should the marker never come back — as when the identity may only read (an observer): MQTT
 * 3.1.1 brokers drop its marker silently, MQTT 5 ones deny it, and either way the read then
 * simply waits out the timeout.
 */
export async function readRetainedTopics(bus: Bus, patterns: readonly string[], markerPrefix: string, timeoutMs = 5000): Promise<Set<string>> {
  const topics = new Set<string>();
  const marker = `${markerPrefix}/${randomBytes(6).toString('hex')}`;
  let markerSeen: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (markerSeen = resolve));
  const stop = bus.onMessage((message) => {
    if (message.topic === marker) markerSeen();
    else if (message.retained && message.payload.length > 0) topics.add(message.topic);
  });
  try {
    for (const pattern of patterns) await bus.subscribe(pattern);
    if (bus.retainedDeliveredOnSubscribe) return topics;
    await bus.subscribe(marker);
    await bus.publish(marker, new Uint8Array(0), { retain: false }).catch((error: unknown) => {
      if (!(error instanceof BusError && error.code === 'bus-denied')) throw error;
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    return topics;
  } finally {
    stop();
  }
}
