/**
 * Last-will emulation for buses that have none (Redis, NATS), per PROTOCOL.md: each client
 * keeps an "alive" mark with an expiry next to its will; whoever notices that a mark has
 * expired publishes that client's will, exactly once however many clients notice.
 *
 * The bus supplies a small `LivenessStore` (how to keep the mark alive, how expiries are
 * noticed, how a will is fired once); this module owns the when: refresh every keepalive/3,
 * re-establish the expiry notices on every (re)connect and trust them only when the store
 * verified them, sweep periodically when it could not, sweep once after each (re)connect
 * (a client that was away missed the notices meanwhile), never sweep or refresh while
 * disconnected, and forget the will on a clean close.
 */
import type { HasPhase } from './phase.js';

/** What a bus offers the will emulation. Every method may reject; errors are reported, never thrown at the caller. */
export interface LivenessStore {
  /** Mark this client alive for one keepalive, and register its will if it is not there (it fired meanwhile). */
  keepAlive(): Promise<void>;
  /** A clean close: remove this client's mark and will, so the will never fires. */
  forget(): Promise<void>;
  /** Fire the will of every client found dead, each exactly once across all watchers. */
  sweep(): Promise<void>;
  /**
   * (Re)establish pushed expiry notices after a (re)connect — a restarted server forgets
   * them — and resolve true only when they are verified to be on. False: sweep instead.
   */
  listen(): Promise<boolean>;
}

export interface WillEmulationOptions {
  readonly store: LivenessStore;
  readonly keepaliveMs: number;
  /** False for a client without a will: it only watches others. */
  readonly hasWill: boolean;
  /** How often to sweep when notices are off (or always, for stores that only sweep). Default: the keepalive. */
  readonly sweepPeriodMs?: number;
  readonly isConnected: () => boolean;
  readonly report: (error: unknown) => void;
  /**
   * A pure observer (`BusOptions.observer`): it watches nothing and fires no one's will, and
   * turns nothing on (Redis: no CONFIG SET; NATS: no liveness bucket). It has no will itself.
   */
  readonly observer?: boolean;
}

export interface WillEmulation {
  /**
   * After every (re)connect: registers the will (resolved before the caller announces the
   * connection, so before anyone publishes `online`) and re-establishes expiry notices.
   */
  onConnect(): Promise<void>;
  /** Sweep once now (after a (re)connect, once the caller's urgent reads are done). */
  sweepOnce(): void;
  /** True while pushed notices are verified on (no periodic sweep needed). */
  readonly notified: boolean;
  /** Stop the timers (close, crash simulation). */
  stop(): void;
  /** A clean close: stop, and remove the will so it never fires. */
  forget(): Promise<void>;
}

export function createWillEmulation(options: WillEmulationOptions): WillEmulation {
  const { store, keepaliveMs, report, isConnected } = options;
  const sweepPeriodMs = options.sweepPeriodMs ?? keepaliveMs;
  let refreshTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let notified = false;
  let stopped = false;

  const sweepOnce = (): void => {
    if (!stopped && !options.observer && isConnected()) store.sweep().catch(report);
  };

  const setSweeping = (on: boolean): void => {
    if (on && !sweepTimer) {
      sweepTimer = setInterval(sweepOnce, sweepPeriodMs);
      sweepTimer.unref();
    } else if (!on && sweepTimer) {
      clearInterval(sweepTimer);
      sweepTimer = undefined;
    }
  };

  const startRefresh = (): void => {
    if (!options.hasWill || refreshTimer) return;
    refreshTimer = setInterval(() => {
      if (!stopped && isConnected()) store.keepAlive().catch(report);
    }, Math.max(50, Math.floor(keepaliveMs / 3)));
    refreshTimer.unref();
  };

  const stop = (): void => {
    stopped = true;
    clearInterval(refreshTimer);
    refreshTimer = undefined;
    setSweeping(false);
  };

  return {
    async onConnect() {
      if (stopped || options.observer) return;
      const [listening] = await Promise.all([store.listen().catch(() => false), options.hasWill ? store.keepAlive() : undefined]);
      notified = listening;
      if (stopped) return;
      setSweeping(!notified);
      startRefresh();
    },
    sweepOnce,
    get notified() {
      return notified;
    },
    stop,
    async forget() {
      stop();
      if (options.hasWill) await store.forget();
    },
  };
}

/** The will emulation of an adapter whose connection is up while `holder.phase` is `up`. */
export function emulateWillFor(
  holder: HasPhase,
  store: LivenessStore,
  timing: { readonly keepaliveMs: number; readonly hasWill: boolean; readonly sweepPeriodMs?: number; readonly observer?: boolean },
  report: (error: unknown) => void,
): WillEmulation {
  return createWillEmulation({ store, ...timing, isConnected: () => holder.phase === 'up', report });
}
