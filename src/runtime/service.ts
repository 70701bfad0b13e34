/**
 * `createService`: binds a handler to the bus as PROTOCOL.md describes. It only wires the
 * parts, each of which owns one job and its own state:
 *
 * - `store.ts`: the local copy of the system state and of who is online;
 * - `receiver.ts`: routes what arrives to `state-intake.ts` and `status-intake.ts`, which
 *   decode and check it and apply it, or reject it (`rejecter.ts`; `report-limiter.ts`
 *   keeps the reports of a flood to one line per interval);
 * - `publisher.ts`: the owner's side, `(epoch, seq)` and the own echoes (`echo-queue.ts`);
 * - `delivery.ts`: the update callbacks, held while starting or paused;
 * - `dependency-tracker.ts`: which required domains are available, lost, regained;
 * - `presence.ts`: the own `online`/`offline` and its will;
 * - `periodic.ts`: `ctx.every`, the handler's timers, run while the service runs;
 * - `service-runner.ts`: the life of the instance (`lifecycle.ts`, one union).
 *
 * Life of an instance: will registered (`offline`, retained) → connect → subscribe
 * `<prefix>/state/+` and `<prefix>/status/+` → `online` (retained) → wait until the
 * service's own `online` comes back (brokers deliver retained messages on subscribe
 * before later publishes, so by then the retained system state is in the store; on Redis,
 * whose subscribe resolves once the keys are read, `online` goes out alongside the
 * subscriptions and no echo is awaited) → wait for required dependencies → `onStart` →
 * update callbacks.
 *
 * Decisions (documented in docs/protocol.md and in RunOptions):
 * - Publishing before `onStart` is called, or once `onStop` has returned, is refused
 *   (PublishRefusedError), never queued: a queued state would be computed from a
 *   system state that did not have its dependencies. `onStop` may publish a final state.
 * - `onStart` throwing stops the service (`start-failed`): it would be online with no state.
 * - Own publishes are applied to the local store at once (so `ctx.state` shows them
 *   right after `publish` is called) and their `onUpdate` is delivered on a microtask;
 *   the echo from the bus is then an exact duplicate and dropped silently.
 * - `pause`: while a required dependency is lost, update callbacks are held (the store
 *   keeps applying; each held domain is delivered once, with its latest state, on
 *   regain), and so are publishes (the latest per domain goes out on resume), except
 *   those made from `onDependencyLost`/`onDependencyRegained` (the handler saying it is degraded);
 *   `onDependencyLost`/`onDependencyRegained` are called.
 * - Update callbacks are not serialised: an async callback is not awaited before the
 *   next one; its rejection is reported as `handler-error`.
 */
import type {
  Availability,
  RunOptions,
  RuntimeLogEvent,
  HandlerSource,
  ServiceContext,
  ServiceCounters,
  ServiceHandler,
  ServiceInstance,
  ServiceSpec,
  ServiceTypes,
  SystemSpec,
  SystemStateView,
} from './contract.js';
import { createCallbackScope } from './callback-scope.js';
import { handlerOf } from './contract.js';
import { joinDecodeSharing } from './decode-cache.js';
import { createDelivery, type UpdateCallback } from './delivery.js';
import { createDependencyTracker } from './dependency-tracker.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './envelope.js';
import { publicPhase, publishMode } from './lifecycle.js';
import { createPeriodic } from './periodic.js';
import { createPresence } from './presence.js';
import { createPublisher } from './publisher.js';
import { createReceiver } from './receiver.js';
import { createReportLimiter } from './report-limiter.js';
import { ServiceRunner } from './service-runner.js';
import { createStderrLog } from './stderr-log.js';

/** Publishes made in (or from what was started in) these callbacks go out while paused; others are held. */
const SENT_WHILE_PAUSED: ReadonlySet<string> = new Set(['onDependencyLost', 'onDependencyRegained']);
import { createStore } from './store.js';

export { createStderrLog } from './stderr-log.js';

const DEFAULT_DEPENDENCY_TIMEOUT_MS = 30_000;
const DEFAULT_REPORT_INTERVAL_MS = 10_000;
const DEFAULT_STATUS_REFRESH_MS = 30_000;

function findService(system: SystemSpec, service: string): ServiceSpec {
  const spec = system.services[service];
  if (spec === undefined) {
    const known = Object.keys(system.services).sort().join(', ');
    throw new Error(`unknown service "${service}" in system "${system.system}" (services: ${known || 'none'})`);
  }
  for (const domain of [...spec.waitsFor, ...spec.optional]) {
    if (system.domains[domain] === undefined) throw new Error(`service "${service}" depends on "${domain}", which is not a domain of the system`);
  }
  return spec;
}

/** A logger that cannot take the service down. */
function safeLog(log: (event: RuntimeLogEvent) => void): (event: RuntimeLogEvent) => void {
  return (event) => {
    try {
      log(event);
    } catch {
      // A failing logger must not take the service down.
    }
  };
}

export function createService<T extends ServiceTypes>(
  system: SystemSpec,
  service: string,
  source: HandlerSource<T>,
  options: RunOptions,
): ServiceInstance<T> {
  const spec = findService(system, service);
  // A factory makes this instance's own handler (and its state).
  const handler = handlerOf(source);
  const now = options.now ?? Date.now;
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const report = safeLog(options.log ?? createStderrLog(service));
  const store = createStore(system);
  const abort = new AbortController();
  const scope = createCallbackScope(SENT_WHILE_PAUSED);
  // The parts refer to the runner and the context, which are built last.
  let runner!: ServiceRunner;
  const publisher = createPublisher({
    system, service, store, now, maxPayloadBytes,
    bus: () => runner.bus!,
    gate: () => publishMode(runner.life),
    applied: (entry) => delivery.notify(entry, true),
    echoesSuppressed: () => runner.bus?.honoursNoLocal === true,
    sayOnline: () => runner.sayOnline(),
    sendsWhilePaused: () => {
      const callback = scope.current();
      return callback !== undefined && SENT_WHILE_PAUSED.has(callback);
    },
    onReassertFailed: (error) => report({ type: 'lifecycle', service, message: `re-asserting its state failed: ${error instanceof Error ? error.message : String(error)}` }),
  });
  const ctx: ServiceContext<T> = {
    service,
    state: store.view as SystemStateView<T>,
    publish: publisher.publish as ServiceContext<T>['publish'],
    status: (domain: string) => store.status(domain),
    signal: abort.signal,
    every: createPeriodic({
      signal: abort.signal,
      active: () => runner.life.phase === 'running',
      onError: (callback, error) => report({ type: 'handler-error', service, callback, error }),
    }),
  };
  const watched = new Set([...spec.owns, ...spec.waitsFor, ...spec.optional]);
  const delivery = createDelivery({
    entries: [...watched].map((domain) => store.domains.get(domain)!),
    callbacks: handler.onUpdate as { readonly [domain: string]: UpdateCallback | undefined } | undefined,
    context: () => ctx,
    onError: (callback, error) => report({ type: 'handler-error', service, callback, error }),
  });
  const receiver = createReceiver({
    service, store, now, maxPayloadBytes, prefix: system.prefix,
    decoder: joinDecodeSharing(system, service),
    limiter: createReportLimiter(now, options.reportIntervalMs ?? DEFAULT_REPORT_INTERVAL_MS),
    hooks: {
      classifyOwned: (entry, payload) => publisher.classify(entry, payload),
      foreignDecoded: (entry, epoch, seq) => publisher.noteForeign(entry, epoch, seq),
      applied: (entry) => {
        runner.applied();
        delivery.notify(entry, false);
      },
      peerChanged: (peer) => runner.peerChanged(peer),
      ownStatus: (status, epoch) => runner.ownStatus(status, epoch),
      report,
    },
  });
  runner = new ServiceRunner({
    system, service, now, store, publisher, receiver, delivery, abort, scope, ctx, report,
    handler: handler as ServiceHandler<ServiceTypes>,
    bus: options.bus,
    clientId: options.clientId,
    dependencyTimeoutMs: options.dependencyTimeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS,
    statusRefreshMs: options.statusRefreshMs ?? DEFAULT_STATUS_REFRESH_MS,
    lostPolicy: options.onDependencyLost ?? 'pause',
    tracker: createDependencyTracker(spec.waitsFor, (domain) => store.availability(domain)),
    presence: createPresence({ service, topic: spec.statusTopic, now, epoch: () => publisher.epoch }),
  });
  return createFacade<T>(service, store, runner, receiver.counters, () => publisher.published, () => publisher.epoch);
}

function createFacade<T extends ServiceTypes>(
  name: string,
  store: ReturnType<typeof createStore>,
  runner: ServiceRunner,
  counters: ReturnType<typeof createReceiver>['counters'],
  published: () => number,
  epoch: () => number,
): ServiceInstance<T> {
  return {
    name,
    start: () => runner.start(),
    stop: () => runner.stop({ type: 'stopped' }),
    done: runner.done,
    state: store.view as SystemStateView<T>,
    status: (domain) => store.status(domain),
    counters(): ServiceCounters {
      return { received: counters.received, applied: counters.applied, published: published(), duplicates: counters.duplicates, rejected: { ...counters.rejected } };
    },
    peers() {
      const result: Record<string, 'online' | 'offline'> = {};
      for (const [peer, entry] of store.peers) result[peer] = entry.status;
      return result;
    },
    availability() {
      const result: Record<string, Availability> = {};
      for (const domain of store.domains.keys()) result[domain] = store.availability(domain);
      return result;
    },
    phase: () => publicPhase(runner.life),
    get epoch() {
      return epoch();
    },
  };
}
