/**
 * Runs one service instance through its life (lifecycle.ts): connect with the will, subscribe,
 * `online`, wait for the required dependencies, `onStart`, pause and resume on lost and
 * regained dependencies, and the stop. It holds the one `Life`; the parts it drives (the
 * publisher, the delivery of update callbacks, the dependency tracker, the presence) hold
 * their own state.
 */
import { randomUUID } from 'node:crypto';
import type { Bus, BusEvent } from '../bus/bus.js';
import { callHandler, type CallOutcome, type Callback } from './call-handler.js';
import type { BusFactory, RuntimeLogEvent, ServiceHandler, ServiceTypes, StopReason, SystemSpec } from './contract.js';
import type { CallbackScope } from './callback-scope.js';
import type { Delivery } from './delivery.js';
import { waitForDependencies, type DependencyTracker, type DependencyWait } from './dependency-tracker.js';
import { ServiceStartError } from './errors.js';
import { beginStop, closing, deliveryModeOf, handlerStarted, hasStarted, isLive, pause, resume, type Life } from './lifecycle.js';
import type { Presence } from './presence.js';
import type { Publisher } from './publisher.js';
import type { Receiver } from './receiver.js';
import type { Store } from './store.js';
import { allStates, allStatuses } from '../shared/topics.js';

/** How long to wait for the own `online` echo before going on without it. */
const SYNC_TIMEOUT_MS = 2_000;
/** How long a stop waits for `offline` to be accepted by a bus that is down. */
const OFFLINE_PUBLISH_TIMEOUT_MS = 2_000;

export interface RunnerParts {
  readonly system: SystemSpec;
  readonly service: string;
  readonly handler: ServiceHandler<ServiceTypes>;
  readonly bus: Bus | BusFactory;
  readonly clientId: string | undefined;
  readonly now: () => number;
  readonly dependencyTimeoutMs: number;
  /** How often `online` is said again (0: never). */
  readonly statusRefreshMs: number;
  readonly lostPolicy: 'pause' | 'exit';
  readonly store: Store;
  readonly publisher: Publisher;
  readonly receiver: Receiver;
  readonly delivery: Delivery;
  readonly tracker: DependencyTracker;
  readonly presence: Presence;
  readonly abort: AbortController;
  /** Which callback runs (the pause rule lets `onDependencyLost`/`Regained` publish at once). */
  readonly scope: CallbackScope;
  /** The context handed to every callback. */
  readonly ctx: unknown;
  readonly report: (event: RuntimeLogEvent) => void;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** One instance's life. Fields: the `Life`, the bus once built, the dependency wait while waiting, and the start and stop once begun. */
export class ServiceRunner {
  #life: Life = { phase: 'idle' };
  #bus: Bus | undefined;
  #wait: DependencyWait | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #resolveDone!: (reason: StopReason) => void;
  /** Resolves when the instance has ended, for whatever reason. */
  readonly done = new Promise<StopReason>((resolve) => (this.#resolveDone = resolve));

  constructor(private readonly parts: RunnerParts) {}

  get life(): Life {
    return this.#life;
  }

  get bus(): Bus | undefined {
    return this.#bus;
  }

  start(): Promise<void> {
    if (this.#starting === undefined) {
      this.#starting = this.#stopping ? Promise.reject(this.#stoppedEarly()) : this.#runOrStop();
      // start() may be ignored in favour of `done`; a rejection must not crash the process.
      this.#starting.catch(() => undefined);
    }
    return this.#starting;
  }

  stop(reason: StopReason): Promise<void> {
    if (this.#stopping) return this.#stopping;
    const wasStarted = hasStarted(this.#life);
    this.#setLife(beginStop(this.#life, reason));
    this.#stopping = this.#stopSequence(reason, wasStarted);
    return this.#stopping;
  }

  /** An envelope was applied (the dependencies may be complete now). */
  applied(): void {
    this.#wait?.check();
  }

  /** A peer's status changed. */
  peerChanged(peer: string): void {
    this.parts.tracker.statusChanged();
    if (peer === this.parts.service) return;
    if (this.#wait !== undefined) this.#wait.check();
    // Not once its own stop has begun: a service stopping with the rest of the system (Ctrl-C)
    // is not told its dependencies went away (its publish there would be refused anyway).
    else if (hasStarted(this.#life) && isLive(this.#life)) this.#checkLost();
  }

  /** Publish `online` (retained) on the instance's bus. */
  sayOnline(): Promise<void> {
    const bus = this.#bus;
    return bus === undefined ? Promise.resolve() : this.parts.presence.publish(bus, 'online');
  }

  /** The own status came back from the bus. */
  ownStatus(status: 'online' | 'offline', epoch: number): void {
    const { presence } = this.parts;
    if (presence.receivedOwn(status, epoch) && presence.connected && isLive(this.#life)) {
      void this.sayOnline().catch(() => undefined);
    }
  }

  #setLife(next: Life): void {
    const previous = this.#life;
    this.#life = next;
    this.parts.delivery.setMode(deliveryModeOf(next));
    // Said in the service's own report, so the console (which sees `online` on the wire) can show it.
    if (previous.phase === 'running' && next.phase === 'paused') this.#lifecycle('paused: update callbacks and publishes are held until every required dependency is back');
    if (previous.phase === 'paused' && next.phase === 'running') {
      this.#lifecycle('resumed');
      void this.parts.publisher.releaseHeld().catch((error: unknown) => this.#lifecycle(`publishing the held states failed: ${errorText(error)}`));
    }
  }

  #lifecycle(message: string): void {
    this.parts.report({ type: 'lifecycle', service: this.parts.service, message });
  }

  #call(name: 'onStart' | 'onStop' | 'onDependencyLost' | 'onDependencyRegained', ...args: unknown[]): Promise<CallOutcome> {
    const { handler, ctx, report, service } = this.parts;
    const onError = (callback: string, error: unknown): void => report({ type: 'handler-error', service, callback, error });
    return this.parts.scope.run(name, () => callHandler(handler, name, handler[name] as Callback | undefined, [...args, ctx], onError));
  }

  #stoppedEarly(): ServiceStartError {
    return new ServiceStartError(`${this.parts.service}: stopped before it started`, { type: 'stopped' });
  }

  #createBus(): Bus {
    const { bus, service, clientId, publisher, presence } = this.parts;
    if (typeof bus !== 'function') return bus;
    return bus({ clientId: clientId ?? `${service}-${publisher.epoch.toString(36)}-${randomUUID().slice(0, 8)}`, will: presence.will() });
  }

  async #connect(bus: Bus): Promise<void> {
    try {
      await bus.connect();
      this.parts.presence.connected = true;
    } catch (error) {
      const message = errorText(error);
      const reason: StopReason = { type: 'bus-unreachable', message };
      void this.stop(reason);
      throw new ServiceStartError(`${this.parts.service}: the bus is unreachable: ${message}`, reason, { cause: error });
    }
  }

  /** Subscribe and say `online`; resolves once the retained system state is in the store. */
  async #announce(bus: Bus): Promise<void> {
    const { presence, system } = this.parts;
    // Both at once: one round trip to the broker instead of two.
    const subscribed = Promise.all([bus.subscribe(allStates(system.prefix), { noLocal: true }), bus.subscribe(allStatuses(system.prefix))]);
    if (bus.retainedDeliveredOnSubscribe === true) {
      // subscribe() resolves only once the retained state was delivered (Redis reads the keys
      // after subscribing): `online` needs neither to wait for the subscriptions nor its echo.
      await Promise.all([subscribed, presence.publish(bus, 'online')]);
      return;
    }
    await subscribed;
    // The echo of our own `online` comes after the retained messages the subscriptions brought.
    const echoed = presence.ownOnlineEchoed(SYNC_TIMEOUT_MS);
    await presence.publish(bus, 'online');
    await echoed;
  }

  async #awaitDependencies(): Promise<void> {
    const { tracker, service, system, store, dependencyTimeoutMs } = this.parts;
    const missing = tracker.missing();
    if (missing.length === 0) return;
    this.#lifecycle(`waiting for ${missing.join(', ')}`);
    this.#wait = waitForDependencies(tracker, dependencyTimeoutMs, this.parts.abort.signal);
    const outcome = await this.#wait.outcome;
    this.#wait = undefined;
    switch (outcome.type) {
      case 'ready':
        return;
      case 'aborted':
        throw new ServiceStartError(`${service}: stopped while waiting for its dependencies`, { type: 'stopped' });
      case 'timeout': {
        const named = outcome.missing.map((d) => `"${d}" (owned by ${system.domains[d]!.owner}, ${store.availability(d)})`).join(', ');
        const reason: StopReason = { type: 'dependency-timeout', missing: outcome.missing };
        void this.stop(reason);
        throw new ServiceStartError(`${service}: required dependencies not available after ${dependencyTimeoutMs} ms: ${named}`, reason);
      }
    }
  }

  async #run(): Promise<void> {
    this.#setLife({ phase: 'starting' });
    this.parts.publisher.begin(this.parts.now());
    const bus = (this.#bus = this.#createBus());
    bus.onMessage(this.parts.receiver.onMessage);
    bus.onEvent((event) => this.#onBusEvent(event));
    await this.#connect(bus);
    if (this.#stopping) throw this.#stoppedEarly();
    await this.#announce(bus);
    if (this.#stopping) throw this.#stoppedEarly();
    this.parts.presence.startRefresh(this.parts.statusRefreshMs, () => {
      if (this.parts.presence.connected && isLive(this.#life)) void this.sayOnline().catch(() => undefined);
    });
    this.#setLife({ phase: 'waiting' });
    await this.#awaitDependencies();
    if (this.#stopping) throw this.#stoppedEarly();
    this.#setLife({ phase: 'running', handler: 'starting' });
    this.#lifecycle('started');
    const outcome = await this.#call('onStart');
    if (!outcome.ok) await this.#startFailed(outcome.error);
    this.#setLife(handlerStarted(this.#life));
  }

  /** `onStart` threw: the service stops (it would be online with no state), and `start()` says why. */
  async #startFailed(error: unknown): Promise<never> {
    const message = errorText(error);
    const reason: StopReason = { type: 'start-failed', message };
    void this.stop(reason);
    throw new ServiceStartError(`${this.parts.service}: onStart failed: ${message}`, reason, { cause: error });
  }

  /** `run`, with anything unexpected (a bus failing mid-start) turned into a stop and a ServiceStartError. */
  async #runOrStop(): Promise<void> {
    try {
      await this.#run();
    } catch (error) {
      if (error instanceof ServiceStartError) throw error;
      const message = errorText(error);
      const reason: StopReason = { type: 'bus-unreachable', message };
      void this.stop(reason);
      throw new ServiceStartError(`${this.parts.service}: could not start: ${message}`, reason, { cause: error });
    }
  }

  async #sayOffline(bus: Bus): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, OFFLINE_PUBLISH_TIMEOUT_MS)));
    await Promise.race([this.parts.presence.publish(bus, 'offline').catch(() => undefined), timeout]);
    clearTimeout(timer);
  }

  async #stopSequence(reason: StopReason, wasStarted: boolean): Promise<void> {
    if (wasStarted) await this.#call('onStop');
    this.#setLife(closing(this.#life));
    this.parts.publisher.dropHeld();
    this.parts.abort.abort();
    this.parts.presence.stopRefresh();
    const bus = this.#bus;
    if (bus !== undefined) {
      if (this.parts.presence.connected && this.parts.presence.onlineSent) await this.#sayOffline(bus);
      try {
        await bus.close();
      } catch {
        // Already closed or unreachable: nothing left to release.
      }
    }
    this.#setLife({ phase: 'stopped', reason });
    this.#lifecycle(reason.type === 'stopped' ? 'stopped' : `stopped: ${reason.type}`);
    this.#resolveDone(reason);
  }

  #checkLost(): void {
    const { tracker, system, store } = this.parts;
    const { lost, regained } = tracker.changes();
    for (const domain of lost) {
      const owner = system.domains[domain]!.owner;
      this.#lifecycle(`required dependency "${domain}" lost (owner ${owner} is ${store.peers.get(owner)?.status ?? 'unknown'})`);
      if (this.parts.lostPolicy === 'exit') {
        void this.stop({ type: 'dependency-lost', domain });
        return;
      }
      this.#setLife(pause(this.#life));
      void this.#call('onDependencyLost', domain);
    }
    for (const domain of regained) {
      this.#lifecycle(`required dependency "${domain}" regained`);
      void this.#call('onDependencyRegained', domain).then(() => {
        if (tracker.lostCount === 0) this.#setLife(resume(this.#life));
      });
    }
  }

  #onBusEvent(event: BusEvent): void {
    const { presence, publisher } = this.parts;
    switch (event.type) {
      case 'connect':
        presence.connected = true;
        if (!event.reconnect || !isLive(this.#life) || !presence.onlineSent) return;
        this.#lifecycle('reconnected');
        void publisher
          .reassert()
          .catch((error: unknown) => this.#lifecycle(`republish after reconnect failed: ${errorText(error)}`));
        return;
      case 'disconnect':
        presence.connected = false;
        if (this.#life.phase !== 'stopping' && this.#life.phase !== 'stopped') this.#lifecycle(`disconnected (${event.reason}); reconnecting`);
        return;
      case 'error':
        this.#lifecycle(`bus error: ${event.error.message}`);
        return;
    }
  }
}
