/**
 * Status messages into the store: each is decoded and checked, recorded by the ordering
 * rule, and told on: a peer's change, the service's own status, and the pending envelopes
 * an `online` unblocks.
 */
import { decodeStatus, type ServiceStatus } from './envelope.js';
import type { Reject } from './rejecter.js';
import type { DomainEntry, Store } from './store.js';

export interface StatusIntakeHooks {
  /** A peer's status changed (`previous` undefined when first seen). */
  peerChanged(peer: string, status: ServiceStatus, previous: ServiceStatus | undefined): void;
  /** The service's own status came back from the bus. */
  ownStatus(status: ServiceStatus, epoch: number): void;
}

export interface StatusIntakeOptions {
  readonly service: string;
  /** `<prefix>/status/`: the rest of the topic is the peer's name. */
  readonly statusPrefix: string;
  readonly store: Store;
  readonly maxPayloadBytes: number;
  readonly reject: Reject;
  /** An `online` came for the instance of this entry's pending envelope. */
  readonly unblocked: (entry: DomainEntry) => void;
  readonly hooks: StatusIntakeHooks;
}

/** Receives a message on a status topic (one starting with `statusPrefix`). */
export function createStatusIntake(options: StatusIntakeOptions): (topic: string, payload: Buffer) => void {
  const { service, statusPrefix, store, maxPayloadBytes, reject, unblocked, hooks } = options;
  return (topic, payload) => {
    const peer = topic.slice(statusPrefix.length);
    const result = decodeStatus(payload, peer, maxPayloadBytes);
    if (!result.ok) {
      reject(result.reason, topic, undefined, result.detail);
      return;
    }
    const status = result.message;
    const update = store.setPeer(peer, status.status, status.epoch);
    for (const entry of update.unblocked) unblocked(entry);
    // The own status, applied or not: a forged or late `offline` is answered by saying `online` again.
    if (peer === service) hooks.ownStatus(status.status, status.epoch);
    if (update.applied && update.previous !== status.status) hooks.peerChanged(peer, status.status, update.previous);
  };
}
