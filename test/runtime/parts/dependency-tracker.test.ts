import { describe, expect, it } from 'vitest';
import type { Availability } from '../../../src/runtime/contract.js';
import { createDependencyTracker, waitForDependencies } from '../../../src/runtime/dependency-tracker.js';

function world(initial: Record<string, Availability>) {
  const state = { ...initial };
  const tracker = createDependencyTracker(Object.keys(initial).sort(), (d) => state[d] ?? 'missing');
  return { state, tracker };
}

describe('dependency tracker', () => {
  it('says what is missing and when everything is available', () => {
    const { state, tracker } = world({ a: 'available', b: 'missing', c: 'stale' });
    expect(tracker.missing()).toEqual(['b', 'c']);
    expect(tracker.allAvailable()).toBe(false);
    state.b = 'available';
    state.c = 'available';
    expect(tracker.allAvailable()).toBe(true);
    // A status change can make one stale again: the cursor restarts.
    state.a = 'stale';
    expect(tracker.allAvailable()).toBe(true);
    tracker.statusChanged();
    expect(tracker.allAvailable()).toBe(false);
  });

  it('reports each loss and regain once', () => {
    const { state, tracker } = world({ a: 'available', b: 'available' });
    expect(tracker.changes()).toEqual({ lost: [], regained: [] });
    state.a = 'stale';
    expect(tracker.changes()).toEqual({ lost: ['a'], regained: [] });
    expect(tracker.changes()).toEqual({ lost: [], regained: [] });
    expect(tracker.lostCount).toBe(1);
    state.a = 'available';
    expect(tracker.changes()).toEqual({ lost: [], regained: ['a'] });
    expect(tracker.lostCount).toBe(0);
  });

  it('waits until ready, times out naming what is missing, or ends on abort', async () => {
    const { state, tracker } = world({ a: 'missing' });
    const abort = new AbortController();
    const ready = waitForDependencies(tracker, 0, abort.signal);
    state.a = 'available';
    ready.check();
    await expect(ready.outcome).resolves.toEqual({ type: 'ready' });

    state.a = 'missing';
    await expect(waitForDependencies(tracker, 10, abort.signal).outcome).resolves.toEqual({ type: 'timeout', missing: ['a'] });
    const aborted = waitForDependencies(tracker, 0, abort.signal);
    abort.abort();
    await expect(aborted.outcome).resolves.toEqual({ type: 'aborted' });
  });
});
