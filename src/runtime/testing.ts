/**
 * Unit-testing helpers: a whole system, or one service, on a private in-memory broker.
 *
 * Every service gets its own bus, built through the runtime's `BusFactory` so the runtime
 * registers its `offline` will exactly as in production; `crash` drops that bus as a killed
 * process would, and the will fires. Domains whose owners are not under test are published
 * by a simulated owner (its own bus, `online` status, `offline` will), with valid envelopes,
 * so a handler is tested alone, in milliseconds, without its peers or a broker.
 *
 * Runtime reports are captured in `logs` rather than written to stderr: a test reads them,
 * and a `waitFor` that times out quotes the ones that explain why.
 */
import type { Bus } from '../bus/bus.js';
import { createMemoryBroker, createMemoryBus, type MemoryBroker } from '../bus/memory.js';
import type {
  HandlerSource,
  RunOptions,
  RuntimeLogEvent,
  ServiceContext,
  ServiceHandler,
  ServiceInstance,
  ServiceTypes,
  SystemSpec,
} from './contract.js';
import { handlerOf } from './contract.js';
import { encodeEnvelope, encodeStatus } from './envelope.js';
import { StateInvalidError } from './errors.js';
import { formatRuntimeEvent } from './stderr-log.js';

/**
 * A service to start: the generated `create<Service>` and the handler to bind, or a
 * `define<Service>` factory of handlers (called once per instance: each has its own state).
 */
export interface ServiceEntry<T extends ServiceTypes> {
  readonly create: (handler: ServiceHandler<T>, options: RunOptions) => ServiceInstance<T>;
  readonly handler: HandlerSource<T>;
}

/** Service name → its types, inferred from the entries given. */
export type ServiceTypesMap = { readonly [service: string]: ServiceTypes };

/** The system state (every domain's type, by name) of the services under test. */
export type TestSystemState<M extends ServiceTypesMap> = M[keyof M]['state'];

/** Initial retained states, by domain: published as their owners would before anything starts. */
export type TestSeed<S> = { readonly [D in keyof S & string]?: S[D] };

export interface TestOptions<S> {
  /** Retained states present on the bus before the services start, published as their owners would. */
  readonly seed?: TestSeed<S>;
  /** How long each service waits for its required dependencies. Default 2 000 ms, so a forgotten seed fails fast. */
  readonly dependencyTimeoutMs?: number;
  /** What a service does when a required dependency is lost. Default `pause`, as in production. */
  readonly onDependencyLost?: 'pause' | 'exit';
  /** The clock the runtime uses for epochs and times. */
  readonly now?: () => number;
  /** Also called for every runtime report (they are always kept in `logs`), e.g. to print them while debugging. */
  readonly log?: (service: string, event: RuntimeLogEvent) => void;
}

/** One runtime report, with the service that made it. */
export interface TestLogEntry {
  readonly service: string;
  readonly event: RuntimeLogEvent;
}

export interface WaitForOptions {
  /** Default 2 000 ms: below test runners' usual test timeout, so this message is the one you see. */
  readonly timeoutMs?: number;
  /** What is awaited, for the timeout message. */
  readonly what?: string;
}

export type TestInstances<M extends ServiceTypesMap> = { readonly [K in keyof M]: ServiceInstance<M[K]> };

export interface SystemUnderTest<M extends ServiceTypesMap> {
  /** The running instances by service name (a `restart` replaces the entry). */
  readonly services: TestInstances<M>;
  /** Every runtime report so far, in order (rejections, lifecycle, handler errors). */
  readonly logs: readonly TestLogEntry[];
  /** The private broker, e.g. to `restart()` it. */
  readonly broker: MemoryBroker;
  /**
   * Publishes a domain's state as its owner would (valid envelope, retained, the owner's
   * `online` status). Its owner must not be one of the services under test (their handlers publish).
   * Throws a StateInvalidError when the state fails the domain's schema.
   */
  publish<D extends keyof TestSystemState<M> & string>(domain: D, state: TestSystemState<M>[D]): Promise<void>;
  /** Puts arbitrary bytes on a topic (retained unless told otherwise): for rejection tests. */
  publishRaw(topic: string, payload: string | Uint8Array, options?: { readonly retain?: boolean }): Promise<void>;
  /**
   * The service drops off the bus as a killed process would: its will (`offline`) fires, its
   * handler gets no `onStop`, its `ctx.signal` aborts. Works for a simulated owner too.
   */
  crash(service: keyof M & string): Promise<void>;
  crash(service: string): Promise<void>;
  /**
   * Starts a new instance of a service under test (stopping the old one cleanly if it still
   * runs), with its handler or the one given; resolves once it has started.
   */
  restart<K extends keyof M & string>(service: K, handler?: HandlerSource<M[K]>): Promise<ServiceInstance<M[K]>>;
  /** Resolves when `predicate` returns true; rejects after the timeout with what was awaited and what went wrong. A predicate that throws counts as "not yet". */
  waitFor(predicate: (services: TestInstances<M>) => boolean, options?: WaitForOptions): Promise<void>;
  /** Stops every service cleanly and closes every bus. Idempotent. */
  stop(): Promise<void>;
}

export interface ServiceUnderTest<N extends string, T extends ServiceTypes> extends SystemUnderTest<{ readonly [K in N]: T }> {
  /** The one service under test (the current instance, after a `restart`). */
  readonly service: ServiceInstance<T>;
}

const DEFAULT_DEPENDENCY_TIMEOUT_MS = 2_000;
const DEFAULT_WAIT_TIMEOUT_MS = 2_000;

interface Running {
  instance: ServiceInstance<ServiceTypes>;
  bus: Bus | undefined;
  crashed: boolean;
}

/** A stand-in for an owner that is not under test: its own connection, status and will. */
interface SimulatedOwner {
  readonly bus: Bus;
  readonly epoch: number;
  crashed: boolean;
}

type Entries = { readonly [name: string]: ServiceEntry<ServiceTypes> };

/** What the harness's parts share: the system, the private broker, the options, the reports. */
interface Harness {
  readonly system: SystemSpec;
  readonly broker: MemoryBroker;
  readonly entries: Entries;
  readonly options: TestOptions<unknown>;
  readonly logs: TestLogEntry[];
  /** Every envelope and status published by the harness carries this epoch: earlier than any service started after it. */
  readonly epoch: number;
}

async function connectBus(broker: MemoryBroker, clientId: string, will?: { topic: string; payload: Uint8Array }): Promise<Bus> {
  const bus = createMemoryBus(broker, will === undefined ? { clientId } : { clientId, will });
  await bus.connect();
  return bus;
}

/** Publishing as the owners not under test (simulated, each with its status and will), and raw bytes. */
function createTestPublisher(h: Harness) {
  const simulated = new Map<string, SimulatedOwner>();
  const seqs = new Map<string, number>();
  let rawBus: Bus | undefined;
  let rawCount = 0;
  const raw = async (): Promise<Bus> => (rawBus ??= await connectBus(h.broker, `test-raw-${rawCount++}`));

  const simulatedOwner = async (service: string): Promise<SimulatedOwner> => {
    const existing = simulated.get(service);
    if (existing !== undefined) {
      if (existing.crashed) throw new Error(`cannot publish as ${service}: it was crashed in this test`);
      return existing;
    }
    const topic = h.system.services[service]?.statusTopic ?? `${h.system.prefix}/status/${service}`;
    const status = (s: 'online' | 'offline'): Buffer => encodeStatus({ service, status: s, epoch: h.epoch, time: h.epoch });
    const bus = await connectBus(h.broker, `simulated-${service}`, { topic, payload: status('offline') });
    const owner: SimulatedOwner = { bus, epoch: h.epoch, crashed: false };
    simulated.set(service, owner);
    await bus.publish(topic, status('online'), { retain: true });
    return owner;
  };

  /** A valid envelope for `domain`, as its owner would publish it, through `bus`. */
  const publishEnvelope = async (domain: string, state: unknown, via: (owner: string) => Promise<Bus>): Promise<void> => {
    const spec = h.system.domains[domain];
    if (spec === undefined) {
      throw new Error(`unknown domain "${domain}" in system "${h.system.system}" (domains: ${Object.keys(h.system.domains).sort().join(', ')})`);
    }
    if (!spec.is(state)) throw new StateInvalidError(domain, spec.explain(state));
    const seq = (seqs.get(domain) ?? 0) + 1;
    seqs.set(domain, seq);
    const payload = encodeEnvelope({ domain, owner: spec.owner, version: spec.version, epoch: h.epoch, seq, time: Date.now(), state });
    const bus = await via(spec.owner);
    await bus.publish(spec.topic, payload, { retain: true });
  };

  return {
    simulated,
    raw,
    /** As the simulated owner (or, for a seed of a domain whose owner is under test, as its earlier instance would have). */
    publishSeed: (domain: string, state: unknown) =>
      publishEnvelope(domain, state, async (owner) => (h.entries[owner] !== undefined ? raw() : (await simulatedOwner(owner)).bus)),
    publish: (domain: string, state: unknown) => publishEnvelope(domain, state, async (owner) => (await simulatedOwner(owner)).bus),
    publishRaw: async (topic: string, payload: string | Uint8Array, publishOptions: { readonly retain?: boolean } = {}): Promise<void> => {
      const bus = await raw();
      await bus.publish(topic, typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload, { retain: publishOptions.retain ?? true });
    },
    buses: (): Bus[] => [...[...simulated.values()].map((o) => o.bus), ...(rawBus === undefined ? [] : [rawBus])],
  };
}

/** The services under test: launched, crashed, restarted, stopped. */
function createTestServices(h: Harness, publisher: ReturnType<typeof createTestPublisher>) {
  const running = new Map<string, Running>();
  const instances: { [name: string]: ServiceInstance<ServiceTypes> } = {};
  let stopping: Promise<void> | undefined;

  const launch = (name: string, source: HandlerSource<ServiceTypes>): Running => {
    // The instance's connection and fate, known to its options and handler before the instance exists.
    const connection: Omit<Running, 'instance'> = { bus: undefined, crashed: false };
    const runOptions: RunOptions = {
      bus: (busOptions) => (connection.bus = createMemoryBus(h.broker, busOptions)),
      dependencyTimeoutMs: h.options.dependencyTimeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS,
      onDependencyLost: h.options.onDependencyLost ?? 'pause',
      log: (event) => {
        h.logs.push({ service: name, event });
        h.options.log?.(name, event);
      },
      ...(h.options.now === undefined ? {} : { now: h.options.now }),
    };
    // A factory makes this instance's own handler (and state), as `chinook run` does.
    const instance = h.entries[name]!.create(withoutStopAfterCrash(handlerOf(source), () => connection.crashed), runOptions);
    const record: Running = Object.assign(connection, { instance });
    running.set(name, record);
    instances[name] = record.instance;
    return record;
  };

  const crash = async (service: string): Promise<void> => {
    const record = running.get(service);
    if (record !== undefined) {
      if (record.crashed) return;
      record.crashed = true;
      await record.bus?.close({ abrupt: true });
      // The process is gone: nothing of it runs on (timers see `ctx.signal` abort), and no onStop.
      await record.instance.stop();
      return;
    }
    const owner = publisher.simulated.get(service);
    if (owner !== undefined) {
      owner.crashed = true;
      await owner.bus.close({ abrupt: true });
      return;
    }
    throw new Error(`cannot crash "${service}": it is neither under test nor a simulated owner here (services under test: ${[...running.keys()].join(', ')})`);
  };

  const restart = async (service: string, handler?: HandlerSource<ServiceTypes>): Promise<ServiceInstance<ServiceTypes>> => {
    const entry = h.entries[service];
    const previous = running.get(service);
    if (entry === undefined || previous === undefined) throw new Error(`cannot restart "${service}": it is not one of the services under test`);
    await previous.instance.stop();
    const record = launch(service, handler ?? entry.handler);
    await record.instance.start();
    return record.instance;
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all([...running.values()].map((r) => r.instance.stop()));
      await Promise.all(publisher.buses().map((bus) => bus.close()));
    })();
    return stopping;
  };

  return { running, instances, launch, crash, restart, stop };
}

/** `waitFor`: polls a predicate; on timeout, says where every service is and quotes the recent reports. */
function createWaitFor(h: Harness, running: ReadonlyMap<string, Running>, instances: object) {
  const describeServices = (): string =>
    [...running.entries()]
      .map(([name, r]) => {
        const missing = Object.entries(r.instance.availability()).filter(([, a]) => a !== 'available').map(([d, a]) => `${d} ${a}`);
        return `  ${name}: ${r.crashed ? 'crashed' : r.instance.phase()}${missing.length > 0 ? ` (${missing.join(', ')})` : ''}`;
      })
      .join('\n');

  const describeLogs = (): string => {
    const notable = h.logs.filter((l) => l.event.type !== 'lifecycle').slice(-5);
    return notable.map((l) => `  ${l.service}: ${formatRuntimeEvent(l.event, { stack: false })}`).join('\n');
  };

  return async (predicate: (services: never) => boolean, waitOptions: WaitForOptions = {}): Promise<void> => {
    const timeoutMs = waitOptions.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        if (predicate(instances as never)) return;
        lastError = undefined;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() >= deadline) break;
      // The memory bus delivers on setImmediate; a short timer lets a few deliveries through per poll.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const lines = [`waitFor timed out after ${timeoutMs} ms${waitOptions.what === undefined ? '' : ` waiting for ${waitOptions.what}`}`];
    if (lastError !== undefined) lines.push(`the predicate last threw: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
    lines.push('services:', describeServices());
    const notable = describeLogs();
    if (notable !== '') lines.push('recent reports:', notable);
    throw new Error(lines.join('\n'));
  };
}

/**
 * Starts the given services of `system` on a fresh in-memory broker, after publishing
 * `options.seed`; resolves once all have started (called `onStart`). If one fails to start
 * (e.g. a required dependency that nothing provides), everything is stopped and the
 * runtime's ServiceStartError, naming the missing domains, is thrown.
 */
export async function startSystemForTest<M extends ServiceTypesMap>(
  system: SystemSpec,
  services: { readonly [K in keyof M]: ServiceEntry<M[K]> },
  options: TestOptions<TestSystemState<M>> = {},
): Promise<SystemUnderTest<M>> {
  // Inside, services are handled by name only; their types matter at the call site.
  const entries = services as unknown as Entries;
  for (const name of Object.keys(entries)) {
    if (system.services[name] === undefined) {
      throw new Error(`unknown service "${name}" in system "${system.system}" (services: ${Object.keys(system.services).sort().join(', ')})`);
    }
  }
  const h: Harness = { system, broker: createMemoryBroker(), entries, options: options as TestOptions<unknown>, logs: [], epoch: (options.now ?? Date.now)() };
  const publisher = createTestPublisher(h);
  const tested = createTestServices(h, publisher);

  // Retained states first, so the services find them on subscribe like a late joiner would.
  const seed = (options.seed ?? {}) as { readonly [domain: string]: unknown };
  try {
    for (const domain of Object.keys(seed).sort()) await publisher.publishSeed(domain, seed[domain]);
    for (const [name, entry] of Object.entries(entries)) tested.launch(name, entry.handler);
    const results = await Promise.allSettled([...tested.running.values()].map((r) => r.instance.start()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  } catch (error) {
    await tested.stop();
    throw error;
  }

  return {
    services: tested.instances as TestInstances<M>,
    logs: h.logs,
    broker: h.broker,
    publish: async (domain, state) => {
      const owner = system.domains[domain]?.owner;
      if (owner !== undefined && entries[owner] !== undefined) {
        throw new Error(`cannot publish "${domain}" from the test: its owner ${owner} runs in it (publish from its handler, or use publishRaw)`);
      }
      await publisher.publish(domain, state);
    },
    publishRaw: publisher.publishRaw,
    crash: tested.crash,
    restart: tested.restart as SystemUnderTest<M>['restart'],
    waitFor: createWaitFor(h, tested.running, tested.instances) as SystemUnderTest<M>['waitFor'],
    stop: tested.stop,
  };
}

/**
 * Starts one service on a fresh in-memory broker, with `options.seed` as the retained
 * state of its dependencies (published by simulated owners), so its handler runs alone.
 */
export async function startServiceForTest<N extends string, T extends ServiceTypes>(
  system: SystemSpec,
  name: N,
  create: (handler: ServiceHandler<T>, options: RunOptions) => ServiceInstance<T>,
  handler: HandlerSource<T>,
  options: TestOptions<T['state']> = {},
): Promise<ServiceUnderTest<N, T>> {
  const entries = { [name]: { create, handler } } as { readonly [K in N]: ServiceEntry<T> };
  const harness = await startSystemForTest<{ readonly [K in N]: T }>(system, entries, options as TestOptions<TestSystemState<{ readonly [K in N]: T }>>);
  return Object.defineProperty(harness, 'service', { get: () => harness.services[name], enumerable: true }) as ServiceUnderTest<N, T>;
}

/** The handler as given, except that `onStop` is skipped once the service was crashed (a killed process runs nothing). */
function withoutStopAfterCrash<T extends ServiceTypes>(handler: ServiceHandler<T>, crashed: () => boolean): ServiceHandler<T> {
  if (handler.onStop === undefined) return handler;
  const onStop = handler.onStop;
  // Methods keep `handler` as `this`, so a handler keeping its own fields works unchanged.
  const wrapped: ServiceHandler<T> = {
    ...(handler.onStart === undefined ? {} : { onStart: (ctx: ServiceContext<T>) => handler.onStart!.call(handler, ctx) }),
    ...(handler.onUpdate === undefined ? {} : { onUpdate: handler.onUpdate }),
    ...(handler.onDependencyLost === undefined ? {} : { onDependencyLost: (domain, ctx) => handler.onDependencyLost!.call(handler, domain, ctx) }),
    ...(handler.onDependencyRegained === undefined ? {} : { onDependencyRegained: (domain, ctx) => handler.onDependencyRegained!.call(handler, domain, ctx) }),
    onStop: (ctx) => (crashed() ? undefined : onStop.call(handler, ctx)),
  } as ServiceHandler<T>;
  return wrapped;
}
