/**
 * The receive path: every message from the bus is a state envelope, a status, or neither;
 * each is decoded, checked and applied to the store, or rejected (counted, reported
 * rate-limited). Nothing from the bus can throw out of here.
 */
import type { BusMessage } from '../bus/bus.js';
import type { RejectReason, RuntimeLogEvent } from './contract.js';
import type { EnvelopeDecoder } from './decode-cache.js';
import { decodeEnvelope, decodeStatus, type ServiceStatus, type StateEnvelope } from './envelope.js';
import type { ReportLimiter } from './report-limiter.js';
import type { DomainEntry, Store } from './store.js';

export interface ReceiverCounters {
  received: number;
  applied: number;
  duplicates: number;
  rejected: { [reason in RejectReason]?: number };
}

export interface ReceiverHooks {
  /** A message on an owned domain's topic: received as by anyone, an own echo, or foreign (the owner re-asserts). */
  classifyOwned(entry: DomainEntry, payload: Buffer): 'receive' | 'echo' | 'foreign';
  /** A foreign envelope on an owned domain decoded well-formed (the owner skips past its seq). */
  foreignDecoded(entry: DomainEntry, epoch: number, seq: number): void;
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
  /** The envelope decoder to use now (decode-cache.ts: shared by the services of a process); default `decodeEnvelope`. */
  readonly decoder?: () => EnvelopeDecoder;
}

export interface Receiver {
  readonly counters: ReceiverCounters;
  onMessage(message: BusMessage): void;
  /** Count and report (rate-limited) a rejected message. */
  reject(reason: RejectReason, topic: string, domain: string | undefined, detail: string): void;
}

/** Count a rejection and report it, rate-limited per (reason, domain or topic). */
function createRejecter(counters: ReceiverCounters, limiter: ReportLimiter, report: (event: RuntimeLogEvent) => void): Receiver['reject'] {
  return (reason, topic, domain, detail) => {
    counters.rejected[reason] = (counters.rejected[reason] ?? 0) + 1;
    const count = limiter.admit(`${reason}\u0000${domain ?? topic}`);
    if (count === undefined) return;
    report(domain === undefined ? { type: 'rejected', reason, topic, detail, count } : { type: 'rejected', reason, topic, domain, detail, count });
  };
}

export function createReceiver(options: ReceiverOptions): Receiver {
  const { service, store, maxPayloadBytes, now, limiter, hooks } = options;
  const decoder = options.decoder ?? (() => decodeEnvelope);
  const statePrefix = `${options.prefix}/state/`;
  const statusPrefix = `${options.prefix}/status/`;
  const counters: ReceiverCounters = { received: 0, applied: 0, duplicates: 0, rejected: {} };

  const reject = createRejecter(counters, limiter, hooks.report);

  const receiveState = (entry: DomainEntry | undefined, topic: string, domain: string, message: BusMessage): void => {
    const result = decoder()(message.payload, domain, entry, maxPayloadBytes);
    if (!result.ok) {
      if (result.envelope !== undefined && entry !== undefined) keepPending(entry, result.envelope);
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

  /** Something arrived on an owned domain that this instance did not publish: counted, never applied (the owner re-asserts). */
  const receiveForeign = (entry: DomainEntry, topic: string, message: BusMessage): void => {
    const result = decoder()(message.payload, entry.name, entry, maxPayloadBytes);
    if (!result.ok) {
      reject(result.reason, topic, entry.name, result.detail);
      return;
    }
    hooks.foreignDecoded(entry, result.envelope.epoch, result.envelope.seq);
    if (result.duplicate) counters.duplicates++;
    else reject('stale', topic, entry.name, `(epoch ${result.envelope.epoch}, seq ${result.envelope.seq}) was not published by this instance of the owner; it re-asserts its state`);
  };

  /** The latest envelope of an instance other than the applied one (by seq within an instance). */
  const keepPending = (entry: DomainEntry, envelope: StateEnvelope): void => {
    if (envelope.epoch === entry.epoch) return;
    const pending = entry.pending;
    if (pending === undefined || pending.epoch !== envelope.epoch || envelope.seq > pending.seq) entry.pending = envelope;
  };

  /** The instance of a pending envelope said `online` (this receiver had missed it): apply it if it is valid. */
  const applyPending = (entry: DomainEntry): void => {
    const envelope = entry.pending!;
    entry.pending = undefined;
    if (!entry.spec.is(envelope.state)) return;
    store.apply(entry, envelope.state, envelope.epoch, envelope.seq, now());
    counters.applied++;
    hooks.applied(entry);
  };

  const receiveStatus = (topic: string, message: BusMessage): void => {
    const peer = topic.slice(statusPrefix.length);
    const result = decodeStatus(message.payload, peer, maxPayloadBytes);
    if (!result.ok) {
      reject(result.reason, topic, undefined, result.detail);
      return;
    }
    const status = result.message;
    const update = store.setPeer(peer, status.status, status.epoch);
    for (const entry of update.unblocked) applyPending(entry);
    // The own status, applied or not: a forged or late `offline` is answered by saying `online` again.
    if (peer === service) hooks.ownStatus(status.status, status.epoch);
    if (update.applied && update.previous !== status.status) hooks.peerChanged(peer, status.status, update.previous);
  };

  const receive = (message: BusMessage): void => {
    counters.received++;
    const topic = message.topic;
    const entry = store.byTopic.get(topic);
    if (entry !== undefined) {
      const kind = entry.ownEpoch >= 0 ? hooks.classifyOwned(entry, message.payload) : 'receive';
      if (kind === 'echo') counters.duplicates++;
      else if (kind === 'foreign') receiveForeign(entry, topic, message);
      else receiveState(entry, topic, entry.name, message);
    } else if (topic.startsWith(statePrefix)) receiveState(undefined, topic, topic.slice(statePrefix.length), message);
    else if (topic.startsWith(statusPrefix)) receiveStatus(topic, message);
  };

  return {
    counters,
    reject,
    onMessage(message) {
      try {
        receive(message);
      } catch (error) {
        // Nothing from the bus may crash the service: a message the checks themselves fail on
        // is rejected like any other (counted, reported rate-limited).
        const detail = `could not be checked: ${error instanceof Error ? error.message : String(error)}`;
        try {
          reject('malformed-envelope', message.topic, undefined, detail);
        } catch {
          // The report itself failed: the count is kept.
        }
      }
    },
  };
}
