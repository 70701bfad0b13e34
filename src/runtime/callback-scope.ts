/**
 * Which handler callback the current code runs in (AsyncLocalStorage: it follows awaits).
 * What it buys: the pause rule can tell a state the handler reports *because* it was told of a
 * lost dependency (`onDependencyLost`, `onDependencyRegained`: sent at once) from one its timers
 * publish meanwhile (held until resume). One per service instance.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CallbackScope {
  run<T>(callback: string, fn: () => T): T;
  /** The callback the caller runs in (or that started it), or undefined. */
  current(): string | undefined;
}

export function createCallbackScope(): CallbackScope {
  const storage = new AsyncLocalStorage<string>();
  return {
    run: (callback, fn) => storage.run(callback, fn),
    current: () => storage.getStore(),
  };
}
