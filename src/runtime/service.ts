/**
 * `createService`: binds a handler to the bus as PROTOCOL.md describes.
 *
 * Life of an instance: will registered (`offline`, retained) → connect → subscribe
 * `<prefix>/state/+` and `<prefix>/status/+` → `online` (retained) → wait until the
 * service's own `online` comes back (brokers deliver retained messages on subscribe
 * before later publishes, so by then the retained system state is in the store; on Redis,
 * whose subscribe resolves once the keys are read, `online` goes out alongside the
 * subscriptions and no echo is awaited) → wait for required dependencies → `onStart` →
 * update callbacks.
 *
 * Decisions (documented in the report and in RunOptions):
 * - Publishing before `onStart` is called, or after the stop began, is refused
 *   (PublishRefusedError), never queued: a queued state would be computed from a
 *   system state that did not have its dependencies.
 * - Own publishes are applied to the local store at once (so `ctx.state` shows them
 *   right after `publish` is called) and their `onUpdate` is delivered on a microtask;
 *   the echo from the bus is then an exact duplicate and dropped silently.
 * - `pause`: while a required dependency is lost, update callbacks are held (the store
 *   keeps applying; each held domain is delivered once, with its latest state, on
 *   regain); `onDependencyLost`/`onDependencyRegained` are called; `ctx.publish` still
 *   works, because the handler was told and may have state of its own to report.
 * - Update callbacks are not serialised: an async callback is not awaited before the
 *   next one; its rejection is reported as `handler-error`.
 */
import { randomUUID } from 'node:crypto';
import type { Bus, BusEvent, BusMessage } from '../bus/bus.js';
import {
  type Availability,
  type DomainStatus,
  type RejectReason,
  type RunOptions,
  type RuntimeLogEvent,
  type ServiceContext,
  type ServiceCounters,
  type ServiceHandler,
  type ServiceInstance,
  type ServicePhase,
  type ServiceTypes,
  type StopReason,
  type SystemSpec,
  type SystemStateView,
} from './contract.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, decodeEnvelope, decodeStatus, encodeEnvelope, encodeStatus } from './envelope.js';
import { PublishRefusedError, ServiceStartError, StateInvalidError } from './errors.js';
import { createStore, type DomainEntry } from './store.js';

const DEFAULT_DEPENDENCY_TIMEOUT_MS = 30_000;
const DEFAULT_REPORT_INTERVAL_MS = 10_000;
/** How long to wait for the own `online` echo before going on without it. */
const SYNC_TIMEOUT_MS = 2_000;
/** How long a stop waits for `offline` to be accepted by a bus that is down. */
const OFFLINE_PUBLISH_TIMEOUT_MS = 2_000;
/** Own payloads remembered per owned domain until their echo comes back (bounded: echoes can be lost). */
const MAX_PENDING_ECHOES = 4_096;
const MAX_PENDING_ECHO_BYTES = 16 * 1024 * 1024;
const retainOptions = { retain: true } as const;

type Callback = (...args: never[]) => unknown;

interface Watch {
  readonly entry: DomainEntry;
  readonly callback: (state: unknown, ctx: unknown) => unknown;
  readonly onRejected: (error: unknown) => void;
}

interface MutableCounters {
  received: number;
  applied: number;
  published: number;
  duplicates: number;
  rejected: { [reason in RejectReason]?: number };
}

/**
 * The payloads an owner published on one of its domains and has not yet seen come back
 * from the bus, oldest first. The broker delivers one publisher's messages in order, so an
 * echo is (nearly always) the head; recognising it by its bytes spares the JSON.parse of
 * a message whose content is already applied.
 */
interface EchoQueue {
  readonly items: Buffer[];
  /** Index of the oldest pending payload in `items`. */
  head: number;
  bytes: number;
}

interface ReportWindow {
  lastAt: number;
  since: number;
}

/** One line on stderr per event: the default `log`. */
export function createStderrLog(service: string): (event: RuntimeLogEvent) => void {
  return (event) => {
    let line: string;
    switch (event.type) {
      case 'rejected':
        line = `rejected ${event.reason} on ${event.topic}: ${event.detail}${event.count > 1 ? ` (${event.count} since the last report)` : ''}`;
        break;
      case 'lifecycle':
        line = event.message;
        break;
      case 'handler-error': {
        const error = event.error;
        line = `${event.callback} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
        break;
      }
    }
    process.stderr.write(`chinook ${service}: ${line}\n`);
  };
}

export function createService<T extends ServiceTypes>(
  system: SystemSpec,
  service: string,
  handler: ServiceHandler<T>,
  options: RunOptions,
): ServiceInstance<T> {
  const serviceSpec = system.services[service];
  if (serviceSpec === undefined) {
    const known = Object.keys(system.services).sort().join(', ');
    throw new Error(`unknown service "${service}" in system "${system.system}" (services: ${known || 'none'})`);
  }

  // Options, normalised once.
  const now = options.now ?? Date.now;
  const dependencyTimeoutMs = options.dependencyTimeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS;
  const lostPolicy = options.onDependencyLost ?? 'pause';
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const reportIntervalMs = options.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS;
  const log = options.log ?? createStderrLog(service);

  const prefix = system.prefix;
  const statePrefix = `${prefix}/state/`;
  const statusPrefix = `${prefix}/status/`;
  const ownStatusTopic = serviceSpec.statusTopic;

  const store = createStore(system);
  const required = serviceSpec.waitsFor;
  const owned = new Map<string, DomainEntry>();
  for (const domain of serviceSpec.owns) {
    const entry = store.domains.get(domain);
    if (entry === undefined) throw new Error(`service "${service}" owns "${domain}", which is not a domain of the system`);
    owned.set(domain, entry);
  }
  const echoQueues = new Map<DomainEntry, EchoQueue>();
  for (const entry of owned.values()) echoQueues.set(entry, { items: [], head: 0, bytes: 0 });
  for (const domain of [...required, ...serviceSpec.optional]) {
    if (!store.domains.has(domain)) throw new Error(`service "${service}" depends on "${domain}", which is not a domain of the system`);
  }

  const counters: MutableCounters = { received: 0, applied: 0, published: 0, duplicates: 0, rejected: {} };
  const reportWindows = new Map<string, ReportWindow>();
  const abort = new AbortController();

  let phase: ServicePhase = 'idle';
  let bus: Bus | undefined;
  let connected = false;
  let epoch = 0;
  /** Fixed at the first state publish; before that it may still be raised above an earlier instance's. */
  let epochFixed = false;
  /** onStart has been called: publishing is allowed. */
  let started = false;
  /** onStart has returned and nothing is lost: update callbacks are delivered. */
  let delivering = false;
  const lost = new Set<string>();
  const held = new Set<DomainEntry>();
  let flushScheduled = false;

  let resolveDone!: (reason: StopReason) => void;
  const done = new Promise<StopReason>((resolve) => {
    resolveDone = resolve;
  });
  let startPromise: Promise<void> | undefined;
  let stopPromise: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let ownOnlineEcho: (() => void) | undefined;
  let onlineEpochSent = -1;
  /** The bus honours noLocal on the state subscription: own publishes never come back, so none is remembered. */
  let echoesSuppressed = false;

  const report = (event: RuntimeLogEvent): void => {
    try {
      log(event);
    } catch {
      // A failing logger must not take the service down.
    }
  };
  const lifecycle = (message: string): void => report({ type: 'lifecycle', service, message });
  const reportHandlerError = (callback: string, error: unknown): void => report({ type: 'handler-error', service, callback, error });

  /** Call a handler callback; never throws, never leaves a rejection unhandled. */
  const callHandler = async (name: string, callback: Callback | undefined, ...args: unknown[]): Promise<void> => {
    if (callback === undefined) return;
    try {
      await (callback as (...a: unknown[]) => unknown).apply(handler, args);
    } catch (error) {
      reportHandlerError(name, error);
    }
  };

  // Update callbacks, one record per watched domain, built once: no closures on the receive path.
  const watches = new Map<DomainEntry, Watch>();
  const onUpdate = handler.onUpdate as { readonly [domain: string]: ((state: unknown, ctx: unknown) => unknown) | undefined } | undefined;
  for (const domain of new Set([...serviceSpec.owns, ...required, ...serviceSpec.optional])) {
    const callback = onUpdate?.[domain];
    const entry = store.domains.get(domain)!;
    if (callback !== undefined) {
      const name = `onUpdate.${domain}`;
      watches.set(entry, { entry, callback, onRejected: (error) => reportHandlerError(name, error) });
    }
  }

  const deliver = (watch: Watch): void => {
    try {
      const result = watch.callback.call(onUpdate, watch.entry.state, ctx) as { then?: unknown } | undefined;
      if (result !== undefined && result !== null && typeof result.then === 'function') {
        (result as Promise<unknown>).then(undefined, watch.onRejected);
      }
    } catch (error) {
      watch.onRejected(error);
    }
  };

  const flushHeld = (): void => {
    flushScheduled = false;
    if (!delivering) return;
    for (const entry of held) {
      held.delete(entry);
      const watch = watches.get(entry);
      if (watch !== undefined) deliver(watch);
      if (!delivering) return;
    }
  };

  const notifyUpdated = (entry: DomainEntry, deferred: boolean): void => {
    const watch = watches.get(entry);
    if (watch === undefined || !started) return;
    if (delivering && !deferred) {
      deliver(watch);
      return;
    }
    held.add(entry);
    if (delivering && !flushScheduled) {
      flushScheduled = true;
      queueMicrotask(flushHeld);
    }
  };

  const rejectMessage = (reason: RejectReason, topic: string, domain: string | undefined, detail: string): void => {
    counters.rejected[reason] = (counters.rejected[reason] ?? 0) + 1;
    const key = `${reason}\u0000${domain ?? topic}`;
    const t = now();
    const window = reportWindows.get(key);
    if (window === undefined) {
      reportWindows.set(key, { lastAt: t, since: 0 });
    } else {
      window.since++;
      if (t - window.lastAt < reportIntervalMs) return;
      window.lastAt = t;
    }
    const count = window === undefined ? 1 : window.since;
    if (window !== undefined) window.since = 0;
    const event: RuntimeLogEvent =
      domain === undefined
        ? { type: 'rejected', reason, topic, detail, count }
        : { type: 'rejected', reason, topic, domain, detail, count };
    report(event);
  };

  // ── Receive path ────────────────────────────────────────────────────────────

  const rememberEcho = (entry: DomainEntry, payload: Buffer): void => {
    const queue = echoQueues.get(entry)!;
    queue.items.push(payload);
    queue.bytes += payload.byteLength;
    while (queue.items.length - queue.head > MAX_PENDING_ECHOES || queue.bytes > MAX_PENDING_ECHO_BYTES) {
      queue.bytes -= queue.items[queue.head]!.byteLength;
      queue.items[queue.head++] = undefined as unknown as Buffer;
    }
    compactEchoQueue(queue);
  };

  const compactEchoQueue = (queue: EchoQueue): void => {
    // Amortised O(1): the consumed prefix is cut once it is as long as what is left.
    if (queue.head >= 64 && queue.head * 2 >= queue.items.length) {
      queue.items.splice(0, queue.head);
      queue.head = 0;
    }
  };

  /**
   * Is this payload, received on an owned domain's topic, the echo of one of our own
   * publishes? Only while the store still holds our epoch for the domain: then the full
   * decode would call the echo a duplicate too (same epoch, seq not after the applied one).
   * Publishes whose echo was skipped (lost across a reconnect) are dropped from the queue.
   */
  const takeOwnEcho = (entry: DomainEntry, payload: Buffer): boolean => {
    const queue = echoQueues.get(entry);
    if (queue === undefined || queue.items.length === queue.head || entry.epoch !== epoch || payload.byteLength > maxPayloadBytes) return false;
    const items = queue.items;
    for (let i = queue.head; i < items.length; i++) {
      if (!items[i]!.equals(payload)) continue;
      for (let k = queue.head; k <= i; k++) {
        queue.bytes -= items[k]!.byteLength;
        items[k] = undefined as unknown as Buffer;
      }
      queue.head = i + 1;
      if (queue.head === items.length) {
        items.length = 0;
        queue.head = 0;
      } else {
        compactEchoQueue(queue);
      }
      return true;
    }
    return false;
  };

  const receiveState = (entry: DomainEntry | undefined, topic: string, domain: string, payload: Buffer): void => {
    const result = decodeEnvelope(payload, domain, entry, maxPayloadBytes);
    if (!result.ok) {
      rejectMessage(result.reason, topic, domain, result.detail);
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
    if (phase === 'waiting') checkDependencies();
    notifyUpdated(target, false);
  };

  const receiveStatus = (topic: string, payload: Buffer): void => {
    const peer = topic.slice(statusPrefix.length);
    const result = decodeStatus(payload, peer, maxPayloadBytes);
    if (!result.ok) {
      rejectMessage(result.reason, topic, undefined, result.detail);
      return;
    }
    const message = result.message;
    const previous = store.setPeer(peer, message.status, message.epoch);
    // A status change may make a domain counted ready stale again: count again from the start.
    if (previous !== message.status) readyUpTo = 0;
    if (peer === service) {
      receiveOwnStatus(message.status, message.epoch);
      return;
    }
    if (previous === message.status) return;
    if (phase === 'waiting') checkDependencies();
    else if (started) checkLostDependencies();
  };

  const receiveOwnStatus = (status: 'online' | 'offline', statusEpoch: number): void => {
    if (status === 'online') {
      if (statusEpoch === onlineEpochSent && ownOnlineEcho !== undefined) ownOnlineEcho();
      return;
    }
    // An `offline` for this service while it runs: an earlier instance's will fired late,
    // or the broker published ours while we were reconnecting. Say we are here.
    if (connected && (phase === 'waiting' || phase === 'running' || phase === 'paused' || phase === 'starting') && onlineEpochSent >= 0) {
      void publishStatus('online').catch(() => undefined);
    }
  };

  const onMessage = (message: BusMessage): void => {
    try {
      counters.received++;
      const topic = message.topic;
      const entry = store.byTopic.get(topic);
      if (entry !== undefined) {
        if (entry.ownEpoch >= 0 && takeOwnEcho(entry, message.payload)) counters.duplicates++;
        else receiveState(entry, topic, entry.name, message.payload);
      }
      else if (topic.startsWith(statePrefix)) receiveState(undefined, topic, topic.slice(statePrefix.length), message.payload);
      else if (topic.startsWith(statusPrefix)) receiveStatus(topic, message.payload);
    } catch (error) {
      // Nothing from the bus may crash the service; this is a bug in the runtime if reached.
      lifecycle(`internal error on ${message.topic}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  // ── Dependencies ────────────────────────────────────────────────────────────

  const missingDependencies = (): string[] => required.filter((domain) => store.availability(domain) !== 'available');

  /**
   * Every required domain before this index was available when last looked at. Applying an
   * envelope only ever makes a domain more available, so while waiting the cursor moves
   * forward only (O(1) amortised per applied envelope, where a full scan of 1,000 required
   * domains per envelope was O(n²)); only a peer's status change can make a domain before
   * it stale again, and that resets it.
   */
  let readyUpTo = 0;
  const requiredEntries = required.map((domain) => store.domains.get(domain)!);

  const checkDependencies = (): void => {
    if (wake === undefined) return;
    while (readyUpTo < requiredEntries.length && store.availability(requiredEntries[readyUpTo]!.name) === 'available') readyUpTo++;
    if (readyUpTo === requiredEntries.length) wake();
  };

  const checkLostDependencies = (): void => {
    for (const domain of required) {
      const available = store.availability(domain) === 'available';
      if (!available && !lost.has(domain)) {
        lost.add(domain);
        lifecycle(`required dependency "${domain}" lost (owner ${system.domains[domain]!.owner} is ${store.peers.get(system.domains[domain]!.owner)?.status ?? 'unknown'})`);
        if (lostPolicy === 'exit') {
          void shutdown({ type: 'dependency-lost', domain });
          return;
        }
        if (phase === 'running') phase = 'paused';
        delivering = false;
        void callHandler('onDependencyLost', handler.onDependencyLost as Callback | undefined, domain, ctx);
      } else if (available && lost.has(domain)) {
        lost.delete(domain);
        lifecycle(`required dependency "${domain}" regained`);
        void callHandler('onDependencyRegained', handler.onDependencyRegained as Callback | undefined, domain, ctx).then(() => {
          if (lost.size === 0 && phase === 'paused') {
            phase = 'running';
            delivering = true;
            flushHeld();
          }
        });
      }
    }
  };

  /** Resolves when every required dependency is available; rejects on timeout or stop. */
  const waitForDependencies = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (error?: Error): void => {
        wake = undefined;
        if (timer !== undefined) clearTimeout(timer);
        abort.signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => finish(new ServiceStartError(`${service}: stopped while waiting for its dependencies`, { type: 'stopped' }));
      if (missingDependencies().length === 0) {
        resolve();
        return;
      }
      wake = () => finish();
      abort.signal.addEventListener('abort', onAbort);
      lifecycle(`waiting for ${missingDependencies().join(', ')}`);
      if (dependencyTimeoutMs > 0) {
        timer = setTimeout(() => {
          const missing = missingDependencies();
          const named = missing.map((d) => `"${d}" (owned by ${system.domains[d]!.owner}, ${store.availability(d)})`).join(', ');
          const reason: StopReason = { type: 'dependency-timeout', missing };
          finish(new ServiceStartError(`${service}: required dependencies not available after ${dependencyTimeoutMs} ms: ${named}`, reason));
          void shutdown(reason);
        }, dependencyTimeoutMs);
      }
    });

  // ── Publishing ──────────────────────────────────────────────────────────────

  const publishStatus = async (status: 'online' | 'offline'): Promise<void> => {
    if (bus === undefined) return;
    if (status === 'online') onlineEpochSent = epoch;
    await bus.publish(ownStatusTopic, encodeStatus({ service, status, epoch, time: now() }), { retain: true });
  };

  const fixEpoch = (): void => {
    if (epochFixed) return;
    // Strictly greater than any earlier instance's epoch seen for the domains it owns.
    for (const entry of owned.values()) if (entry.epoch >= epoch) epoch = entry.epoch + 1;
    for (const entry of owned.values()) entry.ownEpoch = epoch;
    epochFixed = true;
  };

  const countPublished = (): void => {
    counters.published++;
  };

  /** Not async: one promise per publish (the bus's) instead of three; callers get a rejection, never a throw. */
  const publishOwn = (entry: DomainEntry, state: unknown): Promise<void> => {
    fixEpoch();
    const seq = entry.epoch === epoch ? entry.seq + 1 : 1;
    const time = now();
    const payload = encodeEnvelope({ domain: entry.name, owner: service, version: entry.spec.version, epoch, seq, time, state });
    store.apply(entry, state, epoch, seq, time);
    notifyUpdated(entry, true);
    // Before publishing: an in-process bus may deliver the echo during the call.
    if (!echoesSuppressed) rememberEcho(entry, payload);
    return bus!.publish(entry.spec.topic, payload, retainOptions).then(countPublished);
  };

  /** The owned domain to publish, or why not (thrown). */
  const checkPublish = (domain: string, state: unknown): DomainEntry => {
    if (phase === 'stopping' || phase === 'stopped') {
      throw new PublishRefusedError(`${service}: cannot publish "${domain}": the service is stopped`, 'stopped');
    }
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
    if (!started) {
      throw new PublishRefusedError(`${service}: cannot publish "${domain}" before onStart (required dependencies first)`, 'not-started');
    }
    if (!entry.spec.is(state)) throw new StateInvalidError(domain, entry.spec.explain(state));
    return entry;
  };

  const publish = (domain: string, state: unknown): Promise<void> => {
    try {
      return publishOwn(checkPublish(domain, state), state);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const republishOwn = async (): Promise<void> => {
    for (const entry of owned.values()) {
      if (epochFixed && entry.epoch === epoch) await publishOwn(entry, entry.state);
    }
  };

  const onBusEvent = (event: BusEvent): void => {
    switch (event.type) {
      case 'connect':
        connected = true;
        if (!event.reconnect || phase === 'stopping' || phase === 'stopped' || onlineEpochSent < 0) return;
        lifecycle('reconnected');
        void publishStatus('online')
          .then(republishOwn)
          .catch((error: unknown) => lifecycle(`republish after reconnect failed: ${error instanceof Error ? error.message : String(error)}`));
        return;
      case 'disconnect':
        connected = false;
        if (phase !== 'stopping' && phase !== 'stopped') lifecycle(`disconnected (${event.reason}); reconnecting`);
        return;
      case 'error':
        lifecycle(`bus error: ${event.error.message}`);
        return;
    }
  };

  // ── Life ────────────────────────────────────────────────────────────────────

  const ctx: ServiceContext<T> = {
    service,
    state: store.view as SystemStateView<T>,
    publish: publish as ServiceContext<T>['publish'],
    status: (domain: string): DomainStatus => store.status(domain),
    signal: abort.signal,
  };

  const createBusForInstance = (): Bus => {
    if (typeof options.bus !== 'function') return options.bus;
    const clientId = options.clientId ?? `${service}-${epoch.toString(36)}-${randomUUID().slice(0, 8)}`;
    const will = { topic: ownStatusTopic, payload: encodeStatus({ service, status: 'offline', epoch, time: now() }) };
    return options.bus({ clientId, will });
  };

  const stoppedEarly = (): ServiceStartError => new ServiceStartError(`${service}: stopped before it started`, { type: 'stopped' });

  const run = async (): Promise<void> => {
    phase = 'starting';
    epoch = now();
    bus = createBusForInstance();
    bus.onMessage(onMessage);
    bus.onEvent(onBusEvent);
    try {
      await bus.connect();
      connected = true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const reason: StopReason = { type: 'bus-unreachable', message };
      void shutdown(reason);
      throw new ServiceStartError(`${service}: the bus is unreachable: ${message}`, reason, { cause: error });
    }
    if (stopPromise) throw stoppedEarly();
    // Own publishes are applied locally at once: their echoes are not needed (MQTT 5 No Local).
    echoesSuppressed = bus.honoursNoLocal === true;
    // Both at once: one round trip to the broker instead of two.
    const subscribed = Promise.all([bus.subscribe(`${statePrefix}+`, { noLocal: true }), bus.subscribe(`${statusPrefix}+`)]);
    if (bus.retainedDeliveredOnSubscribe === true) {
      // subscribe() resolves only once the retained state was delivered (Redis reads the keys
      // after subscribing), so it is in the store then: `online` needs neither to wait for the
      // subscriptions nor its echo to be waited for.
      await Promise.all([subscribed, publishStatus('online')]);
    } else {
      await subscribed;
      // The echo of our own `online` comes after the retained messages the subscriptions brought.
      const echoed = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SYNC_TIMEOUT_MS);
        ownOnlineEcho = () => {
          ownOnlineEcho = undefined;
          clearTimeout(timer);
          resolve();
        };
      });
      await publishStatus('online');
      await echoed;
    }
    if (stopPromise) throw stoppedEarly();
    phase = 'waiting';
    await waitForDependencies();
    if (stopPromise) throw stoppedEarly();
    phase = 'running';
    started = true;
    lifecycle('started');
    await callHandler('onStart', handler.onStart as Callback | undefined, ctx);
    if (phase !== 'running') return;
    // Anything lost during onStart was noted; deliver only when nothing is lost.
    delivering = lost.size === 0;
    flushHeld();
  };

  /** `run`, with anything unexpected (a bus failing mid-start) turned into a stop and a ServiceStartError. */
  const runOrStop = async (): Promise<void> => {
    try {
      await run();
    } catch (error) {
      if (error instanceof ServiceStartError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const reason: StopReason = { type: 'bus-unreachable', message };
      void shutdown(reason);
      throw new ServiceStartError(`${service}: could not start: ${message}`, reason, { cause: error });
    }
  };

  const shutdown = (reason: StopReason): Promise<void> => {
    if (stopPromise) return stopPromise;
    const wasStarted = started;
    phase = 'stopping';
    delivering = false;
    stopPromise = (async () => {
      if (wasStarted) await callHandler('onStop', handler.onStop as Callback | undefined, ctx);
      abort.abort();
      if (bus !== undefined) {
        if (connected && onlineEpochSent >= 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            publishStatus('offline').catch(() => undefined),
            new Promise((resolve) => {
              timer = setTimeout(resolve, OFFLINE_PUBLISH_TIMEOUT_MS);
            }),
          ]);
          clearTimeout(timer);
        }
        try {
          await bus.close();
        } catch {
          // Already closed or unreachable: nothing left to release.
        }
      }
      phase = 'stopped';
      lifecycle(reason.type === 'stopped' ? 'stopped' : `stopped: ${reason.type}`);
      resolveDone(reason);
    })();
    return stopPromise;
  };

  return {
    name: service,
    start() {
      if (startPromise === undefined) {
        startPromise = stopPromise ? Promise.reject(stoppedEarly()) : runOrStop();
        // start() may be ignored in favour of `done`; a rejection must not crash the process.
        startPromise.catch(() => undefined);
      }
      return startPromise;
    },
    stop() {
      return shutdown({ type: 'stopped' });
    },
    done,
    state: store.view as SystemStateView<T>,
    status: (domain) => store.status(domain),
    counters(): ServiceCounters {
      return { ...counters, rejected: { ...counters.rejected } };
    },
    peers() {
      const result: Record<string, 'online' | 'offline'> = {};
      for (const [name, peer] of store.peers) result[name] = peer.status;
      return result;
    },
    availability() {
      const result: Record<string, Availability> = {};
      for (const name of store.domains.keys()) result[name] = store.availability(name);
      return result;
    },
    phase: () => phase,
    get epoch() {
      return epoch;
    },
  };
}
