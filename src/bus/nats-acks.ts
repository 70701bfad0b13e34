/**
 * The acknowledgements of retained publishes (JetStream's PubAck), matched by reply subject on
 * one subscription of the connection. nats.js's `request()` would do the same job, but it builds
 * two Error objects per call (to keep their stack traces) and a timer: 12% of the CPU of the
 * update profile (docs/performance.md). Here a publish is a plain publish with a reply subject
 * of this connection's inbox, and one sweep four times a second fails the late ones.
 * The subscription lives as long as the connection (nats.js renews it on every reconnect);
 * an acknowledgement lost with a connection is a late one, and the caller retries.
 */
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';

export interface AckRequests {
  /**
   * Publishes `data` on `subject` and resolves with the reply. Rejects with `no responders`
   * (nothing listens on the subject: the stream is missing) or `timeout` after `timeoutMs`.
   */
  request(subject: string, data: Uint8Array, timeoutMs: number, headers?: MsgHdrs): Promise<Msg>;
  /** Fails what is pending and stops listening. */
  close(): void;
}

interface Pending {
  readonly resolve: (msg: Msg) => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
}

const SWEEP_MS = 250;

/** `inbox`: a subject prefix of this connection alone (nats.js `createInbox()`). */
export function createAckRequests(nc: NatsConnection, inbox: string, now: () => number = Date.now): AckRequests {
  const pending = new Map<string, Pending>();
  let next = 0;
  let sweep: NodeJS.Timeout | undefined;
  const settle = (msg: Msg): void => {
    const waiting = pending.get(msg.subject);
    if (waiting === undefined) return;
    pending.delete(msg.subject);
    // A status reply (no data, code 503): the server had no one to hand the message to.
    if (msg.data.length === 0 && msg.headers?.code === 503) waiting.reject(new Error('no responders'));
    else waiting.resolve(msg);
  };
  const subscription: Subscription = nc.subscribe(`${inbox}.*`, { callback: (error, msg) => (error ? undefined : settle(msg)) });
  const failLate = (): void => {
    const t = now();
    for (const [reply, waiting] of pending) {
      if (waiting.deadline > t) continue;
      pending.delete(reply);
      waiting.reject(new Error('timeout'));
    }
    if (pending.size === 0) {
      clearInterval(sweep);
      sweep = undefined;
    }
  };
  return {
    request(subject, data, timeoutMs, headers) {
      const reply = `${inbox}.${(next++).toString(36)}`;
      return new Promise<Msg>((resolve, reject) => {
        pending.set(reply, { resolve, reject, deadline: now() + timeoutMs });
        if (sweep === undefined) {
          sweep = setInterval(failLate, Math.min(SWEEP_MS, timeoutMs));
          sweep.unref();
        }
        try {
          nc.publish(subject, data, headers === undefined ? { reply } : { reply, headers });
        } catch (error) {
          pending.delete(reply);
          reject(error as Error);
        }
      });
    },
    close() {
      clearInterval(sweep);
      sweep = undefined;
      for (const waiting of pending.values()) waiting.reject(new Error('the connection closed'));
      pending.clear();
      subscription.unsubscribe();
    },
  };
}
