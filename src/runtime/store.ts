/**
 * A service's local copy of the whole system state: per domain the last applied state,
 * its `(epoch, seq)`, when it arrived, and whether its owner is still there; per
 * service its last status. Only the runtime writes it; handlers read it through views.
 */
import type { Availability, DomainSpec, DomainStatus, SystemSpec } from './contract.js';
import type { EnvelopeTarget, ServiceStatus, StateEnvelope } from './envelope.js';
import { statusApplies } from './ordering.js';

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
  /** The service's own epoch when it owns this domain (from its start); -1 otherwise. */
  ownEpoch: number;
  /** Epoch of the owner's latest `online` (mirrored from its PeerEntry for the receive path); -1 until seen. */
  ownerEpoch: number;
  /** The owner's last status applied is `online` (ordering.ts: then only its instance's epoch applies). */
  ownerOnline: boolean;
  /**
   * The latest `stale` envelope of another instance than the applied one: if that instance's
   * `online` arrives later (this receiver had missed it), it is applied then. Cleared on apply.
   */
  pending: StateEnvelope | undefined;
}

export interface PeerEntry {
  status: ServiceStatus;
  /** Epoch of the last status applied. */
  epoch: number;
  /** Epoch of the latest `online`; -1 until one is seen. */
  onlineEpoch: number;
}

/** What recording a status did. */
export interface PeerUpdate {
  /** The status before; undefined when the peer was not known. */
  readonly previous: ServiceStatus | undefined;
  /** False when the status was ignored (an `offline` older than the current `online`). */
  readonly applied: boolean;
  /** An `online` of an instance other than the one known: the owner's domains whose pending envelope is of that instance. */
  readonly unblocked: readonly DomainEntry[];
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
  /**
   * Record a service's status by the rule of ordering.ts, mirrored on the domains it owns.
   */
  setPeer(service: string, status: ServiceStatus, epoch: number): PeerUpdate;
  availability(domain: string): Availability;
  status(domain: string): DomainStatus;
}

/** The domains of the system, each with its entry reachable by name, by state topic and by owner. */
interface DomainIndex {
  readonly domains: Map<string, DomainEntry>;
  readonly byTopic: Map<string, DomainEntry>;
  readonly byOwner: Map<string, DomainEntry[]>;
}

function indexDomains(system: SystemSpec): DomainIndex {
  const domains = new Map<string, DomainEntry>();
  const byTopic = new Map<string, DomainEntry>();
  const byOwner = new Map<string, DomainEntry[]>();
  for (const name of Object.keys(system.domains).sort()) {
    const spec = system.domains[name]!;
    const entry: DomainEntry = { name, spec, state: undefined, epoch: -1, seq: 0, receivedAt: 0, ownEpoch: -1, ownerEpoch: -1, ownerOnline: false, pending: undefined };
    domains.set(name, entry);
    byTopic.set(spec.topic, entry);
    const owned = byOwner.get(spec.owner);
    if (owned === undefined) byOwner.set(spec.owner, [entry]);
    else owned.push(entry);
  }
  return { domains, byTopic, byOwner };
}

/** Mirror an owner's status on its domains; after an `online`, returns those with a pending envelope of its epoch. */
function mirrorOwner(owned: readonly DomainEntry[] | undefined, status: ServiceStatus, epoch: number): DomainEntry[] {
  const unblocked: DomainEntry[] = [];
  for (const entry of owned ?? []) {
    entry.ownerOnline = status === 'online';
    if (status !== 'online') continue;
    entry.ownerEpoch = epoch;
    if (entry.pending?.epoch === epoch) unblocked.push(entry);
  }
  return unblocked;
}

export function createStore(system: SystemSpec): Store {
  const { domains, byTopic, byOwner } = indexDomains(system);
  const peers = new Map<string, PeerEntry>();
  const view: Record<string, unknown> = {};

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
      entry.pending = undefined;
      view[entry.name] = state;
    },
    setPeer(service, status, epoch) {
      const peer = peers.get(service);
      if (!statusApplies(peer, status, epoch)) return { previous: peer?.status, applied: false, unblocked: [] };
      const unblocked = mirrorOwner(byOwner.get(service), status, epoch);
      if (peer === undefined) {
        peers.set(service, { status, epoch, onlineEpoch: status === 'online' ? epoch : -1 });
        return { previous: undefined, applied: true, unblocked };
      }
      const previous = peer.status;
      peer.status = status;
      peer.epoch = epoch;
      if (status === 'online') peer.onlineEpoch = epoch;
      return { previous, applied: true, unblocked };
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
