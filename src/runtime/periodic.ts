/**
 * `ctx.every(ms, task)`: a task run periodically for as long as the service runs.
 *
 * - It runs only while the service is `running`: ticks are skipped while it is paused (a
 *   required dependency is lost: what the task would compute from it is not current, and its
 *   publishes would be held anyway, docs/protocol.md "Lifecycle decisions"), while it starts,
 *   and from the moment its stop begins (`onStop` runs alone).
 * - Its timers are cleared when the service stops (`signal` aborts), or by the function
 *   `every` returns.
 * - A tick is skipped while the previous run of the same task is still going (an async task
 *   slower than its period never piles up).
 * - A task that throws or rejects (e.g. a refused or invalid publish) is reported as a
 *   `handler-error` of callback `every(<ms> ms)`: no `.catch` needed, never an unhandled
 *   rejection; the next tick runs as usual. A run still going when the service stops is not
 *   reported if it then fails: its publish was cut off by the stop (the bus closed), which is
 *   no error of the task's.
 */

export interface PeriodicOptions {
  /** Aborted when the service stops: every timer is cleared then. */
  readonly signal: AbortSignal;
  /** May a tick run now (the service is `running`)? */
  readonly active: () => boolean;
  /** A run threw or rejected. */
  readonly onError: (callback: string, error: unknown) => void;
}

/** `every(ms, task)`: returns a function that cancels it. */
export type Every = (ms: number, task: () => unknown) => () => void;

export function createPeriodic(options: PeriodicOptions): Every {
  const { signal, active, onError } = options;
  return (ms, task) => {
    if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`every(${ms}): the period must be a positive number of milliseconds`);
    if (signal.aborted) return () => undefined;
    const name = `every(${ms} ms)`;
    let running = false;
    const tick = (): void => {
      if (running || !active()) return;
      running = true;
      // A sync throw or a rejection, reported alike; `running` clears either way.
      void Promise.resolve()
        .then(task)
        .catch((error: unknown) => {
          if (!signal.aborted) onError(name, error);
        })
        .finally(() => (running = false));
    };
    const timer = setInterval(tick, ms);
    const cancel = (): void => {
      clearInterval(timer);
      signal.removeEventListener('abort', cancel);
    };
    signal.addEventListener('abort', cancel);
    return cancel;
  };
}
