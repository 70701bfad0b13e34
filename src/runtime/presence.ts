/**
 * The instance's own status on the bus (PROTOCOL.md "Status message"): the `offline` will,
 * `online` once connected, `offline` on a clean stop; whether the bus is connected now; the
 * echo of its own `online` (which comes after the retained messages the subscriptions brought).
 */
import type { Bus, BusWill } from '../bus/bus.js';
import { encodeStatus, type ServiceStatus } from './envelope.js';

export interface Presence {
  /** The will to register before connecting. */
  will(): BusWill;
  publish(bus: Bus, status: ServiceStatus): Promise<void>;
  /** `online` was published at least once (so a stop says `offline`, a reconnect says `online` again). */
  readonly onlineSent: boolean;
  connected: boolean;
  /** Resolves when the own `online` comes back, or after `timeoutMs`. */
  ownOnlineEchoed(timeoutMs: number): Promise<void>;
  /** An own status arrived from the bus: true when `online` must be said again (an earlier instance's late will, a forged `offline`). */
  receivedOwn(status: ServiceStatus, epoch: number): boolean;
  /**
   * Call `say` every `intervalMs` (0: never) until `stopRefresh`: the instance says `online`
   * again now and then, so a receiver that lost its `online` (a broker dropping messages under
   * load) converges without a restart. One small retained message per interval.
   */
  startRefresh(intervalMs: number, say: () => void): void;
  stopRefresh(): void;
}

export interface PresenceOptions {
  readonly service: string;
  readonly topic: string;
  readonly epoch: () => number;
  readonly now: () => number;
}

export function createPresence(options: PresenceOptions): Presence {
  const { service, topic, now } = options;
  let onlineEpochSent = -1;
  /** Once `offline` went out (a stop), `online` is never said again by this instance. */
  let offlineSent = false;
  let echo: (() => void) | undefined;
  let refresh: NodeJS.Timeout | undefined;
  const encode = (status: ServiceStatus): Buffer => encodeStatus({ service, status, epoch: options.epoch(), time: now() });
  return {
    will: () => ({ topic, payload: encode('offline') }),
    async publish(bus, status) {
      if (status === 'online' && offlineSent) return;
      if (status === 'offline') offlineSent = true;
      if (status === 'online') onlineEpochSent = options.epoch();
      await bus.publish(topic, encode(status), { retain: true });
    },
    get onlineSent() {
      return onlineEpochSent >= 0;
    },
    connected: false,
    ownOnlineEchoed(timeoutMs) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        echo = () => {
          echo = undefined;
          clearTimeout(timer);
          resolve();
        };
      });
    },
    startRefresh(intervalMs, say) {
      if (intervalMs <= 0 || refresh !== undefined) return;
      refresh = setInterval(say, intervalMs);
      refresh.unref();
    },
    stopRefresh() {
      clearInterval(refresh);
      refresh = undefined;
    },
    receivedOwn(status, epoch) {
      if (status === 'online') {
        if (epoch === onlineEpochSent) echo?.();
        return false;
      }
      return onlineEpochSent >= 0;
    },
  };
}
