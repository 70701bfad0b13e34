/**
 * The receive path: every message from the bus is a state envelope, a status, or neither;
 * each is decoded, checked and applied to the store, or rejected (counted, reported
 * rate-limited). Nothing from the bus can throw out of here.
 */
import type { BusMessage } from '../bus/bus.js';
import type { RejectReason, RuntimeLogEvent } from './contract.js';
import { decodeEnvelope, decodeStatus, type ServiceStatus } from './envelope.js';
import type { ReportLimiter } from './report-limiter.js';
import type { DomainEntry, Store } from './store.js';

export interface ReceiverCounters {
  received: number;
  applied: number;
  duplicates: number;
  rejected: { [reason in RejectReason]?: number };
}

export interface ReceiverHooks {
  /** Is this payload on an owned domain's topic the echo of an own publish? */
  takeEcho(entry: DomainEntry, payload: Buffer): boolean;
  /** An envelope was applied to the store. */
  applied(entry: DomainEntry): void;
  /** A peer's status changed (`previous` undefined when first seen). */
  peerChanged(peer: string, status: ServiceStatus, previous: ServiceStatus | undefined): void;
  /** The service's own status came back from the bus. */
  ownStatus(status: ServiceStatus, epoch: number): void;
  report(event: RuntimeLogEvent): void;
}

export interface ReceiverOptions {
  readonly service: string;
  readonly prefix: string;
  readonly store: Store;
  readonly maxPayloadBytes: number;
  readonly now: () => number;
  readonly limiter: ReportLimiter;
  readonly hooks: ReceiverHooks;
}

export interface Receiver {
  readonly counters: ReceiverCounters;
  onMessage(message: BusMessage): void;
  /** Count and report (rate-limited) a rejected message. */
  reject(reason: RejectReason, topic: string, domain: string | undefined, detail: string): void;
}

export function createReceiver(options: ReceiverOptions): Receiver {
  const { service, store, maxPayloadBytes, now, limiter, hooks } = options;
  const statePrefix = `${options.prefix}/state/`;
  const statusPrefix = `${options.prefix}/status/`;
  const counters: ReceiverCounters = { received: 0, applied: 0, duplicates: 0, rejected: {} };

  const reject = (reason: RejectReason, topic: string, domain: string | undefined, detail: string): void => {
    counters.rejected[reason] = (counters.rejected[reason] ?? 0) + 1;
    const count = limiter.admit(`${reason}\u0000${domain ?? topic}`);
    if (count === undefined) return;
    hooks.report(
      domain === undefined ? { type: 'rejected', reason, topic, detail, count } : { type: 'rejected', reason, topic, domain, detail, count },
    );
  };

  const receiveState = (entry: DomainEntry | undefined, topic: string, domain: string, payload: Buffer): void => {
    const result = decodeEnvelope(payload, domain, entry, maxPayloadBytes);
    if (!result.ok) {
      reject(result.reason, topic, domain, result.detail);
      return;
    }
    if (result.duplicate) {
      counters.duplicates++;
      return;
    }
    // decodeEnvelope only accepts with a target.
    const target = entry!;
    const envelope = result.envelope;
    store.apply(target, envelope.state, envelope.epoch, envelope.seq, now());
    counters.applied++;
    hooks.applied(target);
  };

  const receiveStatus = (topic: string, payload: Buffer): void => {
    const peer = topic.slice(statusPrefix.length);
    const result = decodeStatus(payload, peer, maxPayloadBytes);
    if (!result.ok) {
      reject(result.reason, topic, undefined, result.detail);
      return;
    }
    const message = result.message;
    const previous = store.setPeer(peer, message.status, message.epoch);
    if (peer === service) hooks.ownStatus(message.status, message.epoch);
    if (previous !== message.status) hooks.peerChanged(peer, message.status, previous);
  };

  return {
    counters,
    reject,
    onMessage(message) {
      try {
        counters.received++;
        const topic = message.topic;
        const entry = store.byTopic.get(topic);
        if (entry !== undefined) {
          if (entry.ownEpoch >= 0 && hooks.takeEcho(entry, message.payload)) counters.duplicates++;
          else receiveState(entry, topic, entry.name, message.payload);
        } else if (topic.startsWith(statePrefix)) receiveState(undefined, topic, topic.slice(statePrefix.length), message.payload);
        else if (topic.startsWith(statusPrefix)) receiveStatus(topic, message.payload);
      } catch (error) {
        // Nothing from the bus may crash the service; this is a bug in the runtime if reached.
        hooks.report({ type: 'lifecycle', service, message: `internal error on ${message.topic}: ${error instanceof Error ? error.message : String(error)}` });
      }
    },
  };
}
