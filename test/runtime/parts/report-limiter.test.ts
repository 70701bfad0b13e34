import { describe, expect, it } from 'vitest';
import { createReportLimiter } from '../../../src/runtime/report-limiter.js';

describe('report limiter', () => {
  it('reports the first at once, then at most once per interval with the count since', () => {
    let clock = 0;
    const limiter = createReportLimiter(() => clock, 1000);
    expect(limiter.admit('a')).toBe(1);
    expect(limiter.admit('a')).toBeUndefined();
    expect(limiter.admit('b')).toBe(1);
    expect(limiter.admit('a')).toBeUndefined();
    clock = 1000;
    expect(limiter.admit('a')).toBe(3);
    expect(limiter.admit('a')).toBeUndefined();
  });

  it('remembers a bounded number of keys (a flood on many topics does not grow memory)', () => {
    const limiter = createReportLimiter(() => 0, 1000);
    for (let i = 0; i < 20_000; i++) limiter.admit(`k${i}`);
    // The first keys were forgotten: reported again as new.
    expect(limiter.admit('k0')).toBe(1);
    expect(limiter.admit('k19999')).toBeUndefined();
  });
});
