/**
 * The surface generated code is written against. Generated modules describe the
 * system as data (`SystemSpec`, with compiled validators) and bind a typed handler
 * to `createService`; everything dynamic lives in the runtime.
 *
 * Keep this file free of imports from the toolchain (yaml, ajv compiler, ts-morph).
 */
import type { Bus, BusOptions } from '../bus/bus.js';

export const PROTOCOL = 'chinook/1' as const;
export type Protocol = typeof PROTOCOL;

/** One reason a value failed a domain's schema, from ajv's structured errors. */
export interface ValidationIssue {
  /** JSON Pointer into the state, e.g. `/lamps/0/brightness` (`` for the root). */
  readonly path: string;
  /** ajv keyword that failed, e.g. `maximum`. */
  readonly keyword: string;
  readonly message: string;
}

/** What the generated validators module gives the runtime for each domain. */
export interface DomainSpec<T = unknown> {
  readonly name: string;
  readonly owner: string;
  readonly version: number;
  /** `<prefix>/state/<domain>` */
  readonly topic: string;
  /** Fast path: a boolean type guard compiled at generate time. */
  readonly is: (value: unknown) => value is T;
  /** Slow path: why a value is not a T (empty when it is). */
  readonly explain: (value: unknown) => readonly ValidationIssue[];
}

export interface ServiceSpec {
  readonly name: string;
  /** `<prefix>/status/<service>` */
  readonly statusTopic: string;
  readonly owns: readonly string[];
  /** Required dependencies (domains of other services), sorted. */
  readonly waitsFor: readonly string[];
  /** Optional dependencies, sorted. */
  readonly optional: readonly string[];
}

/** The whole system as data: generated once per system. */
export interface SystemSpec {
  readonly protocol: Protocol;
  readonly system: string;
  readonly prefix: string;
  readonly domains: { readonly [domain: string]: DomainSpec };
  readonly services: { readonly [service: string]: ServiceSpec };
}

/**
 * The types of one service, generated per service:
 * `state` maps every domain of the system to its state type;
 * `owned` are the domains it publishes; `required` those it waits for;
 * `watched` those it gets update callbacks for (its own and all its dependencies).
 */
export interface ServiceTypes {
  readonly state: { readonly [domain: string]: unknown };
  readonly owned: string;
  readonly required: string;
  readonly watched: string;
}

type DomainOf<T extends ServiceTypes> = keyof T['state'] & string;

/**
 * A state as handlers read it: read-only all the way down (arrays too), so
 * `ctx.state.presence.rooms.push(…)` or `room.occupants = 0` does not compile. The runtime
 * keeps its own copy of what is published (`ctx.publish` copies), so a published object
 * changed later never changes `ctx.state` either.
 */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer E)[]
    ? readonly DeepReadonly<E>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/**
 * The system state as a handler sees it: required dependencies are present once the
 * service has started; every other domain (its own included) may be absent.
 */
export type SystemStateView<T extends ServiceTypes> = {
  readonly [K in T['required'] & DomainOf<T>]: DeepReadonly<T['state'][K]>;
} & {
  readonly [K in Exclude<DomainOf<T>, T['required']>]?: DeepReadonly<T['state'][K]>;
};

export type Availability = 'available' | 'stale' | 'missing';

export interface DomainStatus {
  readonly availability: Availability;
  /** Last applied `(epoch, seq)`, if any. */
  readonly epoch?: number;
  readonly seq?: number;
  /** When the last valid envelope was applied (ms since 1970, local clock). */
  readonly receivedAt?: number;
}

export interface ServiceContext<T extends ServiceTypes> {
  readonly service: string;
  readonly state: SystemStateView<T>;
  /**
   * Validates, wraps in an envelope and publishes (retained, QoS 1); resolves when the bus
   * accepted it. Rejects with a StateInvalidError on an invalid state, a PublishRefusedError
   * before `onStart`, after `onStop` returned, or for a domain of another service. While the
   * service is paused (a required dependency lost) a publish from `onDependencyLost` or
   * `onDependencyRegained` goes out at once; any other is validated and held, and the promise
   * resolves: the latest held state of each domain goes out when the service resumes (and is
   * dropped if it stops first); `ctx.state` shows it once sent.
   */
  publish<K extends T['owned'] & DomainOf<T>>(domain: K, state: T['state'][K]): Promise<void>;
  status(domain: DomainOf<T>): DomainStatus;
  /** Aborted when the service stops: pass it to timers and loops in the handler. */
  readonly signal: AbortSignal;
  /**
   * Runs `task` every `ms` milliseconds for as long as the service runs: not while it is
   * paused (a required dependency lost) nor once its stop has begun; its timer is cleared
   * when the service stops. A run that throws or rejects (a refused publish) is reported as
   * a `handler-error` (`every(<ms> ms)`), never an unhandled rejection; a tick is skipped while
   * the previous run is still going. Returns a function that cancels it.
   */
  every(ms: number, task: () => void | Promise<unknown>): () => void;
}

export type UpdateCallbacks<T extends ServiceTypes> = {
  readonly [K in T['watched'] & DomainOf<T>]?: (
    state: DeepReadonly<T['state'][K]>,
    ctx: ServiceContext<T>,
  ) => void | Promise<void>;
};

/** What a service author implements (the generated per-service interface extends this). */
export interface ServiceHandler<T extends ServiceTypes> {
  /** Called once, when every required dependency is available (the first state). If it throws, the service stops (`start-failed`). */
  onStart?(ctx: ServiceContext<T>): void | Promise<void>;
  /** Called after each applied update of a watched domain (own domains included). */
  readonly onUpdate?: UpdateCallbacks<T>;
  onDependencyLost?(domain: T['required'] & DomainOf<T>, ctx: ServiceContext<T>): void | Promise<void>;
  onDependencyRegained?(domain: T['required'] & DomainOf<T>, ctx: ServiceContext<T>): void | Promise<void>;
  /** Called once on a clean stop, before `offline` is published; it may still publish (a final state). */
  onStop?(ctx: ServiceContext<T>): void | Promise<void>;
}

/**
 * A function that makes a fresh handler for each instance (what the generated
 * `define<Service>(() => handler)` returns): state kept in its closure belongs to one
 * instance, so two instances (two tests, a restart) never share it.
 */
export type HandlerFactory<T extends ServiceTypes> = () => ServiceHandler<T>;

/** What `createService`, `chinook run` and the test helpers accept: a handler, or a factory of handlers. */
export type HandlerSource<T extends ServiceTypes> = ServiceHandler<T> | HandlerFactory<T>;

/** The handler of one new instance: the factory's fresh one, or the handler object itself. */
export function handlerOf<T extends ServiceTypes>(source: HandlerSource<T>): ServiceHandler<T> {
  return typeof source === 'function' ? source() : source;
}

export type RejectReason =
  | 'not-json'
  | 'oversize'
  | 'wrong-protocol'
  | 'wrong-domain'
  | 'foreign-owner'
  | 'wrong-version'
  | 'schema-invalid'
  | 'stale'
  | 'malformed-envelope'
  | 'unknown-domain';

export interface ServiceCounters {
  readonly received: number;
  readonly applied: number;
  readonly published: number;
  readonly rejected: { readonly [reason in RejectReason]?: number };
  /** Envelopes with exactly the last applied `(epoch, seq)` (QoS 1 redelivery, retained on resubscribe, own echo): dropped silently, not a rejection. */
  readonly duplicates: number;
}

/** Where a service is in its life (for consoles and tests). */
export type ServicePhase = 'idle' | 'starting' | 'waiting' | 'running' | 'paused' | 'stopping' | 'stopped';

/**
 * Builds the service's bus. The runtime calls it once, with a client id and the `offline`
 * status will it registers for this instance (the will carries the instance's epoch, which
 * only the runtime knows). Spread the given options into your adapter's options.
 */
export type BusFactory = (options: BusOptions) => Bus;

export interface RunOptions {
  /**
   * The bus, or (preferred) a factory for it: with a factory the runtime registers the
   * `offline` will itself. A ready-made Bus must have been created with that will by the caller.
   */
  readonly bus: Bus | BusFactory;
  /** How long to wait for required dependencies; `0` waits forever. Default 30 000 ms. */
  readonly dependencyTimeoutMs?: number;
  /** What to do when a required dependency is lost after the start. Default `pause`. */
  readonly onDependencyLost?: 'pause' | 'exit';
  /** Envelopes larger than this are rejected. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** Where reports (rejections, lifecycle) go; default: stderr, one line each. */
  readonly log?: (event: RuntimeLogEvent) => void;
  /** For tests: the clock used for epochs and times. */
  readonly now?: () => number;
  /** A rejection is reported once per (reason, domain or topic), then at most once per this interval with the count since. Default 10 000 ms. */
  readonly reportIntervalMs?: number;
  /**
   * How often the service says `online` again (retained), so that every view of who is online
   * converges even after a broker dropped an `online` under load. `0`: never. Default 30 000 ms.
   */
  readonly statusRefreshMs?: number;
  /** Used when `bus` is a factory; default `<service>-<epoch base 36>-<random>`. */
  readonly clientId?: string;
}

export type RuntimeLogEvent =
  | { readonly type: 'rejected'; readonly reason: RejectReason; readonly topic: string; readonly domain?: string; readonly detail: string; readonly count: number }
  | { readonly type: 'lifecycle'; readonly service: string; readonly message: string }
  | { readonly type: 'handler-error'; readonly service: string; readonly callback: string; readonly error: unknown };

/** Why a running service ended. */
export type StopReason =
  | { readonly type: 'stopped' }
  | { readonly type: 'dependency-timeout'; readonly missing: readonly string[] }
  | { readonly type: 'dependency-lost'; readonly domain: string }
  | { readonly type: 'bus-unreachable'; readonly message: string }
  /** `onStart` threw or rejected: the service stopped (it would otherwise be online with no state). */
  | { readonly type: 'start-failed'; readonly message: string };

/** A running (or runnable) service, returned by `createService`. */
export interface ServiceInstance<T extends ServiceTypes> {
  readonly name: string;
  /** Connects (will registered first), publishes `online`, subscribes, waits for required dependencies, calls `onStart`. Rejects with a ServiceStartError when dependencies time out or the bus is unreachable. */
  start(): Promise<void>;
  /** Clean stop: `onStop`, `offline` published, bus closed. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when the service has ended, for whatever reason. */
  readonly done: Promise<StopReason>;
  readonly state: SystemStateView<T> | Partial<SystemStateView<T>>;
  status(domain: keyof T['state'] & string): DomainStatus;
  counters(): ServiceCounters;
  /** Status of every service seen on the bus (`online`/`offline`), by service name. */
  peers(): { readonly [service: string]: 'online' | 'offline' };
  /** Availability of every domain of the system, by domain name. */
  availability(): { readonly [domain: string]: Availability };
  /** Where the service is in its life: `paused` while a required dependency is lost (policy `pause`). */
  phase(): ServicePhase;
  /** This instance's epoch (may be raised once, before the first publish, above an earlier instance's). */
  readonly epoch: number;
}
