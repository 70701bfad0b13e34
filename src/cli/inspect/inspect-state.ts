/**
 * What the inspector knows about the system: the console's observer (same rules as a
 * service, publishes nothing) plus what a page shows beside it — status epochs and since
 * when, the last updates of each domain, update rates and rejections. It only remembers;
 * pushing changes out is the event stream's job.
 */
import type { Bus } from '../../bus/bus.js';
import type { SystemSpec } from '../../runtime/contract.js';
import { observeSystem, type SystemObserver } from '../run/observe-system.js';
import type { DomainDetail, DomainView, RejectionCount, ServicesResponse, ServiceView, StateResponse } from './api-types.js';
import { createDomainHistory } from './domain-history.js';
import { createRateMeter, type RateMeter } from './rate-meter.js';
import { createRejectionCounter } from './rejection-counter.js';
import { createStatusLog } from './status-log.js';

export type StateChange =
  | { readonly type: 'domain'; readonly name: string }
  | { readonly type: 'service'; readonly name: string }
  | { readonly type: 'rejection' };

export interface InspectState {
  readonly system: SystemSpec;
  state(connected: boolean): StateResponse;
  domainView(name: string): DomainView;
  domainDetail(name: string): DomainDetail | undefined;
  services(): ServicesResponse;
  serviceView(name: string): ServiceView;
  rejections(): RejectionCount[];
  readonly rates: RateMeter;
  /** Called for every change, synchronously: keep it cheap (the event stream only marks what is dirty). */
  onChange(listener: (change: StateChange) => void): () => void;
}

export interface InspectStateOptions {
  /** Updates kept per domain (default 20). */
  readonly historySize?: number;
  readonly now?: () => number;
}

function toDomainView(system: SystemSpec, observer: SystemObserver, name: string, envelope: { epoch: number; time: string } | undefined, updates: number): DomainView {
  const spec = system.domains[name]!;
  const d = observer.domain(name);
  return {
    name,
    owner: spec.owner,
    version: spec.version,
    availability: observer.availability(name),
    ...(d && envelope ? { epoch: envelope.epoch, seq: d.seq, time: envelope.time, receivedAt: d.receivedAt, state: d.state } : {}),
    updates,
  };
}

function toServiceView(system: SystemSpec, observer: SystemObserver, name: string, seen: { epoch: number; since: string } | undefined): ServiceView {
  const spec = system.services[name]!;
  return {
    name,
    status: observer.status(name) ?? 'unknown',
    ...(seen ? { epoch: seen.epoch, since: seen.since } : {}),
    owns: spec.owns,
    waitsFor: spec.waitsFor,
    optional: spec.optional,
  };
}

export async function createInspectState(bus: Bus, system: SystemSpec, options: InspectStateOptions = {}): Promise<InspectState> {
  const now = options.now ?? Date.now;
  const history = createDomainHistory(options.historySize ?? 20);
  const domainNames = Object.keys(system.domains).sort();
  const rates = createRateMeter(domainNames);
  const rejections = createRejectionCounter();
  const statuses = createStatusLog();
  const updates = new Map<string, number>();
  const listeners = new Set<(change: StateChange) => void>();
  const emit = (change: StateChange): void => {
    for (const listener of listeners) listener(change);
  };
  const ownedBy = (service: string): readonly string[] => system.services[service]?.owns ?? [];

  /** The envelope fields the console's observer does not keep. */
  const envelopes = new Map<string, { epoch: number; time: string }>();
  const observer: SystemObserver = await observeSystem(bus, system, {
    applied(domain, envelope) {
      const receivedAt = now();
      history.record(domain, { epoch: envelope.epoch, seq: envelope.seq, time: envelope.time, receivedAt, state: envelope.state });
      updates.set(domain, (updates.get(domain) ?? 0) + 1);
      rates.count(domain);
      envelopes.set(domain, { epoch: envelope.epoch, time: envelope.time });
      emit({ type: 'domain', name: domain });
    },
    statusReceived(message) {
      statuses.record(message);
      emit({ type: 'service', name: message.service });
      // A status decides whether the owner's domains are available or stale.
      for (const domain of ownedBy(message.service)) emit({ type: 'domain', name: domain });
    },
    rejected(topic, reason, detail) {
      rejections.add(topic, reason, detail, now());
      emit({ type: 'rejection' });
    },
  });

  const domainView = (name: string): DomainView => toDomainView(system, observer, name, envelopes.get(name), updates.get(name) ?? 0);
  const serviceView = (name: string): ServiceView => toServiceView(system, observer, name, statuses.get(name));
  return {
    system,
    state: (connected) => ({
      protocol: 'chinook/1',
      system: system.system,
      prefix: system.prefix,
      connected,
      at: now(),
      domains: Object.fromEntries(domainNames.map((n) => [n, domainView(n)])),
    }),
    domainView,
    domainDetail(name) {
      if (!Object.hasOwn(system.domains, name)) return undefined;
      return { ...domainView(name), history: history.entries(name), rates: rates.history(name) };
    },
    services: () => ({
      system: system.system,
      at: now(),
      services: Object.fromEntries(Object.keys(system.services).sort().map((n) => [n, serviceView(n)])),
    }),
    serviceView,
    rejections: () => rejections.list(),
    rates,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
