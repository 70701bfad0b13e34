/**
 * The owner's side of a domain: checks a publish (owned, allowed now, valid), stamps it with
 * the instance's `(epoch, seq)`, applies a copy of it locally at once (so `ctx.state` shows it
 * right after `publish`, and the caller changing its object later changes nothing), remembers its bytes to recognise the echo, and hands it to the bus.
 *
 * The epoch is the instance's, fixed at its start (the one its will and `online` carry); the
 * seq is the instance's own counter, never taken from the bus. Once it has published a domain,
 * anything else arriving on that domain's topic is not its own: it re-asserts itself (`online`,
 * then its states again), which makes every receiver current again (docs/protocol.md
 * "Ordering and recovery").
 */
import type { Bus } from '../bus/bus.js';
import type { SystemSpec } from './contract.js';
import { createEchoQueue, type EchoQueue } from './echo-queue.js';
import { createEnvelopeEncoder, type EnvelopeEncoder } from './envelope.js';
import { PublishRefusedError, StateInvalidError } from './errors.js';
import type { PublishMode } from './lifecycle.js';
import { SEQ_CEILING } from './ordering.js';
import { createThrottle } from './throttle.js';
import type { DomainEntry, Store } from './store.js';

/** What a publish does now (lifecycle.ts `publishMode`). */
export type PublishGate = () => PublishMode;

export interface Publisher {
  /** The instance's epoch (0 until `begin`). */
  readonly epoch: number;
  /** The instance starts: its epoch as chosen then. */
  begin(epoch: number): void;
  /** Owned domains, by name. */
  readonly owned: ReadonlyMap<string, DomainEntry>;
  /** `ctx.publish`: never throws, rejects with PublishRefusedError or StateInvalidError. */
  publish(domain: string, state: unknown): Promise<void>;
  /** Say `online`, then publish again every owned domain this instance has published (after a reconnect, or on a foreign envelope). */
  reassert(): Promise<void>;
  /**
   * A message arrived on an owned domain's topic: `receive` it as any receiver would (not
   * published here yet), it is the `echo` of an own publish, or it is `foreign` (a re-assert
   * is scheduled).
   */
  classify(entry: DomainEntry, payload: Buffer): 'receive' | 'echo' | 'foreign';
  /** A foreign envelope on an owned domain was decoded: the next own seq skips past its seq (below SEQ_CEILING). */
  noteForeign(entry: DomainEntry, epoch: number, seq: number): void;
  /** Publish the latest held state of each domain (the service resumed). */
  releaseHeld(): Promise<void>;
  /** Forget held states (the service stops: they were computed without a dependency). */
  dropHeld(): void;
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
  /** Publish the instance's `online` status. */
  readonly sayOnline: () => Promise<void>;
  /** Paused, but this publish comes from the handler being told of the loss or regain: it goes out at once. */
  readonly sendsWhilePaused: () => boolean;
  /** A re-assert failed (the bus is down: the reconnect re-asserts again). */
  readonly onReassertFailed: (error: unknown) => void;
}

/** At most one re-assert per this interval per instance: a flood of forged envelopes costs the owner one republish a second. */
const REASSERT_INTERVAL_MS = 1_000;

const retainOptions = { retain: true } as const;

/** One owned domain, as its owner sees it. */
interface OwnedDomain {
  readonly entry: DomainEntry;
  /** Own payloads whose echo has not come back yet. */
  readonly echoes: EchoQueue;
  /** The last seq and payload this instance published; undefined until it has (mutated in place: no allocation per publish). */
  last: { seq: number; payload: Buffer } | undefined;
  /** Paused: the latest state published meanwhile, to go out on resume. */
  held: { readonly state: unknown } | undefined;
}

function ownedDomains(system: SystemSpec, service: string, store: Store): Map<string, OwnedDomain> {
  const owned = new Map<string, OwnedDomain>();
  for (const domain of system.services[service]!.owns) {
    const entry = store.domains.get(domain);
    if (entry === undefined) throw new Error(`service "${service}" owns "${domain}", which is not a domain of the system`);
    owned.set(domain, { entry, echoes: createEchoQueue(), last: undefined, held: undefined });
  }
  return owned;
}

/** The owned domain to publish, or why not (thrown). */
function checkPublish(system: SystemSpec, service: string, owned: ReadonlyMap<string, OwnedDomain>, mode: PublishMode, domain: string, state: unknown): OwnedDomain {
  if (mode === 'stopped') throw new PublishRefusedError(`${service}: cannot publish "${domain}": the service is stopped`, 'stopped');
  const own = owned.get(domain);
  if (own === undefined) {
    const owner = system.domains[domain]?.owner;
    throw new PublishRefusedError(
      owner === undefined
        ? `${service}: cannot publish "${domain}": not a domain of system "${system.system}"`
        : `${service}: cannot publish "${domain}": it is owned by ${owner}`,
      'not-owner',
    );
  }
  if (mode === 'not-started') {
    throw new PublishRefusedError(`${service}: cannot publish "${domain}" before onStart (required dependencies first)`, 'not-started');
  }
  if (!own.entry.spec.is(state)) throw new StateInvalidError(domain, own.entry.spec.explain(state));
  return own;
}

/**
 * Stamps, applies locally and sends one own state. Not async: one promise per publish (the
 * bus's) instead of three; callers get a rejection, never a throw.
 */
function sendOwn(options: PublisherOptions, encoder: EnvelopeEncoder, epoch: number, own: OwnedDomain, state: unknown): Promise<void> {
  const entry = own.entry;
  // The store holds an envelope of our epoch that we did not publish (an earlier instance
  // with the same epoch, or a forgery): say `online` first, and count on past its seq.
  const contested = own.last === undefined && entry.epoch === epoch;
  const seq = Math.max(own.last?.seq ?? 0, contested && entry.seq < SEQ_CEILING ? entry.seq : 0) + 1;
  const time = options.now();
  const payload = encoder.encode({ domain: entry.name, owner: options.service, version: entry.spec.version, epoch, seq, time, state });
  if (own.last === undefined) own.last = { seq, payload };
  else {
    own.last.seq = seq;
    own.last.payload = payload;
  }
  // The store keeps its own copy, parsed from the JSON just sent: the caller may change its
  // object afterwards without changing `ctx.state`, which reads exactly as the receivers' copy.
  options.store.apply(entry, JSON.parse(encoder.lastStateJson), epoch, seq, time);
  options.applied(entry);
  // Before publishing: an in-process bus may deliver the echo during the call.
  if (!options.echoesSuppressed()) own.echoes.remember(payload);
  const send = (): Promise<void> => options.bus().publish(entry.spec.topic, payload, retainOptions);
  return contested ? options.sayOnline().then(send) : send();
}

export function createPublisher(options: PublisherOptions): Publisher {
  const { system, service, store } = options;
  const owned = ownedDomains(system, service, store);
  const byEntry = new Map([...owned.values()].map((own) => [own.entry, own] as const));
  const encoder = createEnvelopeEncoder();
  let epoch = 0;
  let published = 0;
  const countPublished = (): void => {
    published++;
  };

  const publishOwn = (own: OwnedDomain, state: unknown): Promise<void> => sendOwn(options, encoder, epoch, own, state).then(countPublished);

  const reassert = async (): Promise<void> => {
    await options.sayOnline();
    for (const own of owned.values()) if (own.last !== undefined) await publishOwn(own, own.entry.state);
  };
  const reasserts = createThrottle(() => reassert().catch(options.onReassertFailed), REASSERT_INTERVAL_MS);

  return {
    get epoch() {
      return epoch;
    },
    owned: new Map([...owned].map(([name, own]) => [name, own.entry] as const)),
    begin(start) {
      epoch = start;
      for (const own of owned.values()) own.entry.ownEpoch = start;
    },
    publish(domain, state) {
      try {
        const mode = options.gate();
        const own = checkPublish(system, service, owned, mode, domain, state);
        if (mode !== 'hold' || options.sendsWhilePaused()) return publishOwn(own, state);
        // A copy: the caller changing its object while it is held changes nothing.
        own.held = { state: structuredClone(state) };
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async releaseHeld() {
      for (const own of owned.values()) {
        const held = own.held;
        own.held = undefined;
        if (held !== undefined) await publishOwn(own, held.state);
      }
    },
    dropHeld() {
      for (const own of owned.values()) own.held = undefined;
    },
    reassert,
    classify(entry, payload) {
      const own = byEntry.get(entry);
      if (own?.last === undefined) return 'receive';
      if (payload.byteLength <= options.maxPayloadBytes && own.echoes.take(payload)) return 'echo';
      // The retained copy of our last publish (a resubscribe), or an echo the bounded queue let go.
      if (own.last.payload.equals(payload)) return 'echo';
      // Only while it may publish: not before its start, nor once onStop returned.
      const mode = options.gate();
      if (mode === 'send' || mode === 'hold') reasserts.request();
      return 'foreign';
    },
    noteForeign(entry, foreignEpoch, seq) {
      const last = byEntry.get(entry)?.last;
      if (last !== undefined && foreignEpoch === epoch && seq < SEQ_CEILING && seq > last.seq) last.seq = seq;
    },
    get published() {
      return published;
    },
  };
}
