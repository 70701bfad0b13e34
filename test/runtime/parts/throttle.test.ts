import { describe, expect, it } from 'vitest';
import { createThrottle } from '../../../src/runtime/throttle.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('throttle', () => {
  it('runs at once, then at most once per interval, coalescing the requests in between', async () => {
    let runs = 0;
    const throttle = createThrottle(async () => void runs++, 50);
    throttle.request();
    expect(runs).toBe(1);
    for (let i = 0; i < 100; i++) throttle.request();
    expect(runs).toBe(1);
    await sleep(120);
    expect(runs).toBe(2);
    await sleep(120);
    expect(runs).toBe(2);
  });

  it('survives a failing task', async () => {
    let runs = 0;
    const throttle = createThrottle(() => Promise.reject(new Error(`run ${++runs}`)), 10);
    throttle.request();
    await sleep(30);
    throttle.request();
    expect(runs).toBe(2);
  });
});
