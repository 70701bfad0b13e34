import type { Bus } from '../../bus/bus.js';
import type { Availability, SystemSpec } from '../../runtime/contract.js';
import { decodeEnvelope, decodeStatus, type StateEnvelope, type StatusMessage } from '../../runtime/envelope.js';
import { statusApplies } from '../../runtime/ordering.js';
import { allStates, allStatuses, stateTopicPrefix, statusTopicPrefix } from '../../shared/topics.js';

interface DomainView {
  epoch: number;
  seq: number;
  state: unknown;
  receivedAt: number;
}

export interface SystemObserver {
  /** The latest applied state of a domain, if any. */
  domain(name: string): { readonly seq: number; readonly state: unknown; readonly receivedAt: number } | undefined;
  availability(name: string): Availability;
  /** Last status each service published (or its will), by service. */
  status(service: string): 'online' | 'offline' | undefined;
  readonly rejected: number;
}

export interface ObserverEvents {
  status?(service: string, status: 'online' | 'offline'): void;
  rejected?(topic: string, reason: string, detail: string): void;
  /** Every envelope applied (not duplicates, not rejections), after the observer's view holds it. */
  applied?(domain: string, envelope: StateEnvelope): void;
  /** Every valid status message, changed or not (`status` fires only on a change). */
  statusReceived?(message: StatusMessage): void;
}

/**
 * A read-only member of the bus: applies envelopes and status messages by the same
 * rules as a service (PROTOCOL.md), publishes nothing. The console runs on it.
 */
export async function observeSystem(bus: Bus, system: SystemSpec, events: ObserverEvents = {}): Promise<SystemObserver> {
  const domains = new Map<string, DomainView>();
  const statuses = new Map<string, { status: 'online' | 'offline'; onlineEpoch: number }>();
  let rejected = 0;
  const statePrefix = stateTopicPrefix(system.prefix);
  const statusPrefix = statusTopicPrefix(system.prefix);

  bus.onMessage(({ topic, payload }) => {
    if (topic.startsWith(statePrefix)) {
      const name = topic.slice(statePrefix.length);
      const spec = system.domains[name];
      const last = domains.get(name);
      // The same ordering as a service (docs/protocol.md "Ordering and recovery"): the owner's online instance rules.
      const owner = spec === undefined ? undefined : statuses.get(spec.owner);
      const ownerEpoch = owner?.onlineEpoch ?? -1;
      const target = spec && { spec, epoch: last?.epoch ?? -1, seq: last?.seq ?? 0, ownerEpoch, ownerOnline: owner?.status === 'online' };
      const result = decodeEnvelope(payload, name, target);
      if (!result.ok) {
        rejected++;
        events.rejected?.(topic, result.reason, result.detail);
      } else if (!result.duplicate) {
        const { epoch, seq, state } = result.envelope;
        domains.set(name, { epoch, seq, state, receivedAt: Date.now() });
        events.applied?.(name, result.envelope);
      }
    } else if (topic.startsWith(statusPrefix)) {
      const service = topic.slice(statusPrefix.length);
      const result = decodeStatus(payload, service);
      if (!result.ok) {
        rejected++;
        events.rejected?.(topic, result.reason, result.detail);
        return;
      }
      // As in the runtime: every `online` applies; an `offline` older than the current online
      // instance (a late will) does not (and the live instance republishes `online` anyway).
      const { status, epoch } = result.message;
      const last = statuses.get(service);
      if (statusApplies(last, status, epoch)) {
        statuses.set(service, { status, onlineEpoch: status === 'online' ? epoch : (last?.onlineEpoch ?? -1) });
        if (last?.status !== status) events.status?.(service, status);
      }
      events.statusReceived?.(result.message);
    }
  });
  await bus.subscribe(allStates(system.prefix));
  await bus.subscribe(allStatuses(system.prefix));

  return {
    domain: (name) => domains.get(name),
    availability(name) {
      if (!domains.has(name)) return 'missing';
      const owner = system.domains[name]?.owner;
      return owner !== undefined && statuses.get(owner)?.status === 'offline' ? 'stale' : 'available';
    },
    status: (service) => statuses.get(service)?.status,
    get rejected() {
      return rejected;
    },
  };
}
