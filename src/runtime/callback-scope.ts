/**
 * Which handler callback the current code runs in (AsyncLocalStorage: it follows awaits).
 * What it buys: the pause rule can tell a state the handler reports *because* it was told of a
 * lost dependency (`onDependencyLost`, `onDependencyRegained`: sent at once) from one its timers
 * publish meanwhile (held until resume). One scope per service instance.
 *
 * All scopes of a process share ONE AsyncLocalStorage. Why: on Node 20 every enabled
 * AsyncLocalStorage adds work to the creation of every promise and async resource in the
 * process (async_hooks `init` → `_propagate` walks all of them), so one storage per instance
 * made each async step cost O(services): with 20 services in one process (`chinook run
 * --in-process`) it was 12% of the fan-out profile (docs/performance.md, "Fan-out: cost per
 * delivery"). The shared storage holds a chain of (scope, callback) frames, so what each scope
 * sees is exactly what a storage of its own would show: its innermost callback, unaffected by
 * another instance's callbacks running inside it.
 *
 * And none runs until it matters: the storage is created (which is what enables the hooks) the
 * first time any scope of the process runs a *watched* callback, the ones `current()` is asked
 * about. Before that, no frame exists anywhere, so `current()` is undefined for everyone, which
 * is the answer a watching caller gets for any unwatched callback too; a service whose
 * dependencies are never lost never pays for the hooks (on NATS ≈10 µs of CPU per update,
 * docs/performance.md).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CallbackScope {
  run<T>(callback: string, fn: () => T): T;
  /** The callback the caller runs in (or that started it), or undefined. */
  current(): string | undefined;
}

interface Frame {
  readonly scope: object;
  readonly callback: string;
  readonly outer: Frame | undefined;
}

/** Created on the first run of a watched callback in the process. */
let shared: AsyncLocalStorage<Frame> | undefined;

/** `watched`: the callbacks whose runs `current()` must tell (a service: `onDependencyLost`, `onDependencyRegained`). */
export function createCallbackScope(watched: ReadonlySet<string>): CallbackScope {
  const self = {};
  return {
    run: (callback, fn) => {
      if (shared === undefined && !watched.has(callback)) return fn();
      const storage = (shared ??= new AsyncLocalStorage<Frame>());
      return storage.run({ scope: self, callback, outer: storage.getStore() }, fn);
    },
    current: () => {
      for (let frame = shared?.getStore(); frame !== undefined; frame = frame.outer) {
        if (frame.scope === self) return frame.callback;
      }
      return undefined;
    },
  };
}
