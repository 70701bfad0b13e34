import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPeriodic } from '../../../src/runtime/periodic.js';

/** Lets the microtasks of a run (task, catch, finally) settle under fake timers. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function setup(active = (): boolean => true) {
  const abort = new AbortController();
  const errors: [string, unknown][] = [];
  const every = createPeriodic({ signal: abort.signal, active, onError: (callback, error) => errors.push([callback, error]) });
  return { abort, errors, every };
}

describe('periodic (ctx.every)', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('runs every period until the service stops (its signal aborts)', async () => {
    const { abort, every } = setup();
    let runs = 0;
    every(100, () => void runs++);
    await vi.advanceTimersByTimeAsync(350);
    expect(runs).toBe(3);
    abort.abort();
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('skips ticks while the service is not running (paused, stopping)', async () => {
    let running = true;
    const { every } = setup(() => running);
    let runs = 0;
    every(100, () => void runs++);
    await vi.advanceTimersByTimeAsync(200);
    running = false;
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toBe(2);
    running = true;
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(3);
  });

  it('reports a throw and a rejection with the period, and runs on', async () => {
    const { errors, every } = setup();
    let runs = 0;
    every(100, () => {
      runs++;
      if (runs === 1) throw new Error('sync');
      return Promise.reject(new Error('async'));
    });
    await vi.advanceTimersByTimeAsync(200);
    await settle();
    expect(errors.map(([callback, error]) => `${callback}: ${(error as Error).message}`)).toEqual(['every(100 ms): sync', 'every(100 ms): async']);
  });

  it('does not report a run that fails after the service stopped (its publish cut off by the stop)', async () => {
    const { abort, errors, every } = setup();
    let fail: (error: Error) => void = () => undefined;
    every(100, () => new Promise<void>((_resolve, reject) => (fail = reject)));
    await vi.advanceTimersByTimeAsync(100);
    abort.abort();
    fail(new Error('publish on x failed: the bus is closed'));
    await settle();
    expect(errors).toEqual([]);
  });

  it('never overlaps a run still going with the next', async () => {
    const { every } = setup();
    let started = 0;
    let finish: () => void = () => undefined;
    every(100, () => {
      started++;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    await vi.advanceTimersByTimeAsync(450);
    expect(started).toBe(1);
    finish();
    await settle();
    await vi.advanceTimersByTimeAsync(100);
    expect(started).toBe(2);
  });

  it('is cancelled by the function it returns; refuses a period that is not positive; does nothing once stopped', async () => {
    const { abort, every } = setup();
    let runs = 0;
    const cancel = every(100, () => void runs++);
    await vi.advanceTimersByTimeAsync(100);
    cancel();
    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toBe(1);
    expect(() => every(0, () => undefined)).toThrow(RangeError);
    expect(() => every(Number.NaN, () => undefined)).toThrow(/positive number of milliseconds/);
    abort.abort();
    every(100, () => void runs++);
    expect(vi.getTimerCount()).toBe(0);
  });
});
