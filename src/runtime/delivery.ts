/**
 * Update callbacks (`onUpdate.<domain>`): one record per watched domain, built once, so the
 * receive path allocates no closures. A mode says what happens to an update:
 * - `discard`: not started yet, or stopping: nothing is called.
 * - `hold`: `onStart` is running, or a required dependency is lost (pause): the domain is
 *   remembered and delivered once, with its latest state, when delivery resumes.
 * - `deliver`: called at once (own publishes on a microtask, after `publish` returned).
 */
import type { DomainEntry } from './store.js';

export type DeliveryMode = 'discard' | 'hold' | 'deliver';

export type UpdateCallback = (state: unknown, ctx: unknown) => unknown;

export interface Delivery {
  readonly mode: DeliveryMode;
  /** Switch mode; switching to `deliver` delivers what was held. */
  setMode(mode: DeliveryMode): void;
  /** `entry` was updated; `deferred` for the service's own publishes (delivered on a microtask). */
  notify(entry: DomainEntry, deferred: boolean): void;
}

interface Watch {
  readonly entry: DomainEntry;
  readonly callback: UpdateCallback;
  readonly onRejected: (error: unknown) => void;
}

export interface DeliveryOptions {
  readonly entries: Iterable<DomainEntry>;
  /** The handler's `onUpdate` object (`this` for the callbacks). */
  readonly callbacks: { readonly [domain: string]: UpdateCallback | undefined } | undefined;
  /** The second argument of every callback. */
  readonly context: () => unknown;
  /** A callback threw or its promise rejected. */
  readonly onError: (callback: string, error: unknown) => void;
}

export function createDelivery(options: DeliveryOptions): Delivery {
  const watches = new Map<DomainEntry, Watch>();
  for (const entry of options.entries) {
    const callback = options.callbacks?.[entry.name];
    if (callback === undefined) continue;
    const name = `onUpdate.${entry.name}`;
    watches.set(entry, { entry, callback, onRejected: (error) => options.onError(name, error) });
  }
  const held = new Set<DomainEntry>();
  let mode: DeliveryMode = 'discard';
  let flushScheduled = false;

  const deliver = (watch: Watch): void => {
    try {
      const result = watch.callback.call(options.callbacks, watch.entry.state, options.context()) as { then?: unknown } | undefined;
      if (result !== undefined && result !== null && typeof result.then === 'function') {
        (result as Promise<unknown>).then(undefined, watch.onRejected);
      }
    } catch (error) {
      watch.onRejected(error);
    }
  };

  const flush = (): void => {
    flushScheduled = false;
    for (const entry of held) {
      // A callback may have paused or stopped the service.
      if (mode !== 'deliver') return;
      held.delete(entry);
      deliver(watches.get(entry)!);
    }
  };

  return {
    get mode() {
      return mode;
    },
    setMode(next) {
      mode = next;
      if (next === 'discard') held.clear();
      if (next === 'deliver') flush();
    },
    notify(entry, deferred) {
      const watch = watches.get(entry);
      if (watch === undefined || mode === 'discard') return;
      if (mode === 'deliver' && !deferred) {
        deliver(watch);
        return;
      }
      held.add(entry);
      if (mode === 'deliver' && !flushScheduled) {
        flushScheduled = true;
        queueMicrotask(flush);
      }
    },
  };
}
