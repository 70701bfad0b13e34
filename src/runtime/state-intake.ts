/**
 * State envelopes into the store: each is decoded and checked, then applied, dropped as a
 * duplicate, or rejected. A `stale` envelope of an instance whose `online` this receiver
 * may have missed is kept (the newest per instance) and applied if that `online` arrives.
 */
import type { EnvelopeDecoder } from './decode-cache.js';
import type { StateEnvelope } from './envelope.js';
import type { Reject } from './rejecter.js';
import type { DomainEntry, Store } from './store.js';

export interface StateIntakeCounters {
  applied: number;
  duplicates: number;
}

export interface StateIntakeHooks {
  /** A foreign envelope on an owned domain decoded well-formed (the owner skips past its seq). */
  foreignDecoded(entry: DomainEntry, epoch: number, seq: number): void;
  /** An envelope was applied to the store. */
  applied(entry: DomainEntry): void;
}

export interface StateIntakeOptions {
  readonly store: Store;
  readonly now: () => number;
  readonly maxPayloadBytes: number;
  /** The envelope decoder to use now (decode-cache.ts). */
  readonly decoder: () => EnvelopeDecoder;
  readonly counters: StateIntakeCounters;
  readonly reject: Reject;
  readonly hooks: StateIntakeHooks;
}

export interface StateIntake {
  /** A message on a domain's state topic; `entry` undefined when the system has no such domain (rejected). */
  receive(entry: DomainEntry | undefined, topic: string, domain: string, payload: Buffer): void;
  /** Something arrived on an owned domain that this instance did not publish: counted, never applied (the owner re-asserts). */
  receiveForeign(entry: DomainEntry, topic: string, payload: Buffer): void;
  /** The instance of the entry's pending envelope said `online` (this receiver had missed it): apply it if it is valid. */
  applyPending(entry: DomainEntry): void;
}

/** The latest envelope of an instance other than the applied one (by seq within an instance). */
export function keepPending(entry: DomainEntry, envelope: StateEnvelope): void {
  if (envelope.epoch === entry.epoch) return;
  const pending = entry.pending;
  if (pending === undefined || pending.epoch !== envelope.epoch || envelope.seq > pending.seq) entry.pending = envelope;
}

export function createStateIntake(options: StateIntakeOptions): StateIntake {
  const { store, now, maxPayloadBytes, decoder, counters, reject, hooks } = options;
  return {
    receive(entry, topic, domain, payload) {
      const result = decoder()(payload, domain, entry, maxPayloadBytes);
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
    },
    receiveForeign(entry, topic, payload) {
      const result = decoder()(payload, entry.name, entry, maxPayloadBytes);
      if (!result.ok) {
        reject(result.reason, topic, entry.name, result.detail);
        return;
      }
      hooks.foreignDecoded(entry, result.envelope.epoch, result.envelope.seq);
      if (result.duplicate) counters.duplicates++;
      else reject('stale', topic, entry.name, `(epoch ${result.envelope.epoch}, seq ${result.envelope.seq}) was not published by this instance of the owner; it re-asserts its state`);
    },
    applyPending(entry) {
      const envelope = entry.pending!;
      entry.pending = undefined;
      if (!entry.spec.is(envelope.state)) return;
      store.apply(entry, envelope.state, envelope.epoch, envelope.seq, now());
      counters.applied++;
      hooks.applied(entry);
    },
  };
}
