/**
 * The owner's side of a domain: checks a publish (owned, allowed now, valid), stamps it with
 * the instance's `(epoch, seq)`, applies it locally at once (so `ctx.state` shows it right
 * after `publish`), remembers its bytes to recognise the echo, and hands it to the bus.
 */
import type { Bus } from '../bus/bus.js';
import type { SystemSpec } from './contract.js';
import { createEchoQueue, type EchoQueue } from './echo-queue.js';
import { createEnvelopeEncoder } from './envelope.js';
import { PublishRefusedError, StateInvalidError } from './errors.js';
import type { DomainEntry, Store } from './store.js';

/** Why a publish is not allowed now, or undefined when it is. */
export type PublishGate = () => 'not-started' | 'stopped' | undefined;

export interface Publisher {
  /** The instance's epoch (0 until `begin`). */
  readonly epoch: number;
  /** The instance starts: its epoch as chosen then. */
  begin(epoch: number): void;
  /** Owned domains, by name. */
  readonly owned: ReadonlyMap<string, DomainEntry>;
  /** `ctx.publish`: never throws, rejects with PublishRefusedError or StateInvalidError. */
  publish(domain: string, state: unknown): Promise<void>;
  /** Publish again every owned domain this instance has published (after a reconnect). */
  republish(): Promise<void>;
  /** Is this payload, received on an owned domain's topic, the echo of one of our own publishes? */
  takeEcho(entry: DomainEntry, payload: Buffer): boolean;
  /** Publishes accepted by the bus. */
  readonly published: number;
}

export interface PublisherOptions {
  readonly system: SystemSpec;
  readonly service: string;
  readonly store: Store;
  readonly bus: () => Bus;
  readonly now: () => number;
  readonly gate: PublishGate;
  /** Own publishes are applied at once; their update callbacks are notified through this. */
  readonly applied: (entry: DomainEntry) => void;
  /** The bus never returns own publishes (MQTT 5 No Local): nothing to remember. */
  readonly echoesSuppressed: () => boolean;
  readonly maxPayloadBytes: number;
}

const retainOptions = { retain: true } as const;

export function createPublisher(options: PublisherOptions): Publisher {
  const { system, service, store, now } = options;
  const owned = new Map<string, DomainEntry>();
  const echoes = new Map<DomainEntry, EchoQueue>();
  for (const domain of system.services[service]!.owns) {
    const entry = store.domains.get(domain);
    if (entry === undefined) throw new Error(`service "${service}" owns "${domain}", which is not a domain of the system`);
    owned.set(domain, entry);
    echoes.set(entry, createEchoQueue());
  }
  const encoder = createEnvelopeEncoder();
  let epoch = 0;
  /** Fixed at the first state publish; before that it may still be raised above an earlier instance's. */
  let epochFixed = false;
  let published = 0;
  const countPublished = (): void => {
    published++;
  };

  const fixEpoch = (): void => {
    if (epochFixed) return;
    // Strictly greater than any earlier instance's epoch seen for the domains it owns.
    for (const entry of owned.values()) if (entry.epoch >= epoch) epoch = entry.epoch + 1;
    for (const entry of owned.values()) entry.ownEpoch = epoch;
    epochFixed = true;
  };

  /** Not async: one promise per publish (the bus's) instead of three; callers get a rejection, never a throw. */
  const publishOwn = (entry: DomainEntry, state: unknown): Promise<void> => {
    fixEpoch();
    const seq = entry.epoch === epoch ? entry.seq + 1 : 1;
    const time = now();
    const payload = encoder.encode({ domain: entry.name, owner: service, version: entry.spec.version, epoch, seq, time, state });
    store.apply(entry, state, epoch, seq, time);
    options.applied(entry);
    // Before publishing: an in-process bus may deliver the echo during the call.
    if (!options.echoesSuppressed()) echoes.get(entry)!.remember(payload);
    return options.bus().publish(entry.spec.topic, payload, retainOptions).then(countPublished);
  };

  /** The owned domain to publish, or why not (thrown). */
  const checkPublish = (domain: string, state: unknown): DomainEntry => {
    const refused = options.gate();
    if (refused === 'stopped') throw new PublishRefusedError(`${service}: cannot publish "${domain}": the service is stopped`, 'stopped');
    const entry = owned.get(domain);
    if (entry === undefined) {
      const owner = system.domains[domain]?.owner;
      throw new PublishRefusedError(
        owner === undefined
          ? `${service}: cannot publish "${domain}": not a domain of system "${system.system}"`
          : `${service}: cannot publish "${domain}": it is owned by ${owner}`,
        'not-owner',
      );
    }
    if (refused === 'not-started') {
      throw new PublishRefusedError(`${service}: cannot publish "${domain}" before onStart (required dependencies first)`, 'not-started');
    }
    if (!entry.spec.is(state)) throw new StateInvalidError(domain, entry.spec.explain(state));
    return entry;
  };

  return {
    get epoch() {
      return epoch;
    },
    owned,
    begin(start) {
      epoch = start;
    },
    publish(domain, state) {
      try {
        return publishOwn(checkPublish(domain, state), state);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async republish() {
      for (const entry of owned.values()) {
        if (epochFixed && entry.epoch === epoch) await publishOwn(entry, entry.state);
      }
    },
    takeEcho(entry, payload) {
      // Only while the store still holds our epoch: then the full decode would call the echo a duplicate too.
      if (entry.epoch !== epoch || payload.byteLength > options.maxPayloadBytes) return false;
      const queue = echoes.get(entry);
      return queue !== undefined && queue.size > 0 && queue.take(payload);
    },
    get published() {
      return published;
    },
  };
}
