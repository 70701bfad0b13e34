/**
 * Which of a service's required dependencies are available (PROTOCOL.md "Availability and
 * dependencies"): before the start, whether all are (and waiting until they are); after it,
 * which were lost or regained since it last looked.
 */
import type { Availability } from './contract.js';

export interface DependencyTracker {
  /** Required domains not available now, in order. */
  missing(): string[];
  /**
   * Are all available? Cheap while waiting: applying an envelope only ever makes a domain
   * more available, so a cursor moves forward only (O(1) amortised per applied envelope,
   * where a full scan of 1,000 required domains per envelope was O(n²)).
   */
  allAvailable(): boolean;
  /** A peer's status changed: a domain counted available may be stale again. */
  statusChanged(): void;
  /** Compare with what was lost before: the domains lost and regained since the last call. */
  changes(): { readonly lost: readonly string[]; readonly regained: readonly string[] };
  /** How many required domains are lost (as of the last `changes`). */
  readonly lostCount: number;
}

export function createDependencyTracker(required: readonly string[], availability: (domain: string) => Availability): DependencyTracker {
  let readyUpTo = 0;
  const lost = new Set<string>();
  return {
    missing: () => required.filter((domain) => availability(domain) !== 'available'),
    allAvailable() {
      while (readyUpTo < required.length && availability(required[readyUpTo]!) === 'available') readyUpTo++;
      return readyUpTo === required.length;
    },
    statusChanged() {
      readyUpTo = 0;
    },
    changes() {
      const nowLost: string[] = [];
      const regained: string[] = [];
      for (const domain of required) {
        const available = availability(domain) === 'available';
        if (!available && !lost.has(domain)) {
          lost.add(domain);
          nowLost.push(domain);
        } else if (available && lost.has(domain)) {
          lost.delete(domain);
          regained.push(domain);
        }
      }
      return { lost: nowLost, regained };
    },
    get lostCount() {
      return lost.size;
    },
  };
}

export type WaitOutcome = { readonly type: 'ready' } | { readonly type: 'timeout'; readonly missing: readonly string[] } | { readonly type: 'aborted' };

/**
 * Resolves when every required dependency is available (`check()` is called on each change
 * that may make them so), on timeout (`timeoutMs` > 0), or when `signal` aborts.
 */
export interface DependencyWait {
  readonly outcome: Promise<WaitOutcome>;
  /** Something changed: resolve if all are available now. */
  check(): void;
}

export function waitForDependencies(tracker: DependencyTracker, timeoutMs: number, signal: AbortSignal): DependencyWait {
  let settle: (outcome: WaitOutcome) => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => settle({ type: 'aborted' });
  const outcome = new Promise<WaitOutcome>((resolve) => {
    settle = (result) => {
      settle = () => undefined;
      if (timer !== undefined) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
  });
  if (signal.aborted) settle({ type: 'aborted' });
  else if (tracker.missing().length === 0) settle({ type: 'ready' });
  else {
    signal.addEventListener('abort', onAbort);
    if (timeoutMs > 0) timer = setTimeout(() => settle({ type: 'timeout', missing: tracker.missing() }), timeoutMs);
  }
  return {
    outcome,
    check() {
      if (tracker.allAvailable()) settle({ type: 'ready' });
    },
  };
}
