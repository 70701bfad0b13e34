/**
 * A service's local copy of the whole system state: per domain the last applied state,
 * its `(epoch, seq)`, when it arrived, and whether its owner is still there; per
 * service its last status. Only the runtime writes it; handlers read it through views.
 */
import type { Availability, DomainSpec, DomainStatus, SystemSpec } from './contract.js';
import type { EnvelopeTarget, ServiceStatus } from './envelope.js';

export interface DomainEntry extends EnvelopeTarget {
  readonly name: string;
  readonly spec: DomainSpec;
  /** The last applied state; undefined until one is applied. */
  state: unknown;
  /** -1 until an envelope is applied. */
  epoch: number;
  seq: number;
  /** Local clock (ms since 1970) when the last envelope was applied; 0 until then. */
  receivedAt: number;
  /** The service's own epoch once it has published this (owned) domain; -1 otherwise. */
  ownEpoch: number;
}

export interface PeerEntry {
  status: ServiceStatus;
  epoch: number;
}

export interface Store {
  /** By domain name. */
  readonly domains: ReadonlyMap<string, DomainEntry>;
  /** By state topic, so the receive path needs no string slicing. */
  readonly byTopic: ReadonlyMap<string, DomainEntry>;
  readonly peers: ReadonlyMap<string, PeerEntry>;
  /** Plain object `{ [domain]: state }` holding every applied domain: the handlers' `ctx.state`. */
  readonly view: Record<string, unknown>;
  /** Apply a state already checked (by `decodeEnvelope`, or by the owner's validator before publishing). */
  apply(entry: DomainEntry, state: unknown, epoch: number, seq: number, receivedAt: number): void;
  /** Record a service's status; returns the previous one. */
  setPeer(service: string, status: ServiceStatus, epoch: number): ServiceStatus | undefined;
  availability(domain: string): Availability;
  status(domain: string): DomainStatus;
}

export function createStore(system: SystemSpec): Store {
  const domains = new Map<string, DomainEntry>();
  const byTopic = new Map<string, DomainEntry>();
  const peers = new Map<string, PeerEntry>();
  const view: Record<string, unknown> = {};

  for (const name of Object.keys(system.domains).sort()) {
    const spec = system.domains[name]!;
    const entry: DomainEntry = { name, spec, state: undefined, epoch: -1, seq: 0, receivedAt: 0, ownEpoch: -1 };
    domains.set(name, entry);
    byTopic.set(spec.topic, entry);
  }

  const availabilityOf = (entry: DomainEntry | undefined): Availability => {
    if (entry === undefined || entry.epoch < 0) return 'missing';
    return peers.get(entry.spec.owner)?.status === 'offline' ? 'stale' : 'available';
  };

  return {
    domains,
    byTopic,
    peers,
    view,
    apply(entry, state, epoch, seq, receivedAt) {
      entry.state = state;
      entry.epoch = epoch;
      entry.seq = seq;
      entry.receivedAt = receivedAt;
      view[entry.name] = state;
    },
    setPeer(service, status, epoch) {
      const peer = peers.get(service);
      if (peer === undefined) {
        peers.set(service, { status, epoch });
        return undefined;
      }
      const previous = peer.status;
      peer.status = status;
      peer.epoch = epoch;
      return previous;
    },
    availability(domain) {
      return availabilityOf(domains.get(domain));
    },
    status(domain) {
      const entry = domains.get(domain);
      const availability = availabilityOf(entry);
      if (entry === undefined || entry.epoch < 0) return { availability };
      return { availability, epoch: entry.epoch, seq: entry.seq, receivedAt: entry.receivedAt };
    },
  };
}
