/** bench/lib/compare.ts: how far apart two bench runs are, and the one-line summary. */
import { describe, expect, it } from 'vitest';
import { apart, compareRuns, renderComparison, summarize } from '../../bench/lib/compare.js';
import type { BenchResults, BenchRow } from '../../bench/lib/report.js';

const machine = { date: 'd', nproc: 2, cpu: 'c', node: 'v20', platform: 'p', brokers: {}, quick: false, rounds: 5 };
const run = (rows: BenchRow[]): BenchResults => ({ machine, rows, skipped: [] });

describe('compareRuns', () => {
  it('measures the distance relative to the smaller of the two values', () => {
    expect(apart(100, 110)).toBeCloseTo(0.1);
    expect(apart(110, 100)).toBeCloseTo(0.1);
    expect(apart(0, 1)).toBeUndefined();
    expect(apart(undefined, 1)).toBeUndefined();
    expect(apart(Number.NaN, 1)).toBeUndefined();
  });

  it('matches rows by name, counts figures and ratios within 15%, and names the rows of one run only', () => {
    const a = run([
      { name: 'close', value: 100, unit: 'ms', ratio: 1.0 },
      { name: 'far', value: 100, unit: 'ms', ratio: 1.0, cpuPerUpdate: { value: 50, baseline: 40 } },
      { name: 'no ratio', value: 10, unit: 'ms' },
      { name: 'only in a', value: 1, unit: 'ms' },
    ]);
    const b = run([
      { name: 'far', value: 200, unit: 'ms', ratio: 1.1, cpuPerUpdate: { value: 52, baseline: 40 } },
      { name: 'close', value: 110, unit: 'ms', ratio: 1.5 },
      { name: 'no ratio', value: 11, unit: 'ms' },
      { name: 'only in b', value: 1, unit: 'ms' },
    ]);
    const comparison = compareRuns(a, b);
    expect(comparison.rows.map((r) => r.name)).toEqual(['close', 'far', 'no ratio']);
    expect(comparison.unmatched).toEqual(['only in a', 'only in b']);
    expect(summarize(comparison)).toBe('2 of 3 figures within 15%; ratios: 1 of 2 within 15% (2 figures in only one run, not compared)');
    const table = renderComparison(comparison);
    expect(table).toContain('| far | 100% **>15%** | 10% | 4% |');
    expect(table).toContain('| close | 10% | 50% **>15%** |  |');
    expect(table).toContain('| no ratio | 10% | n/a |  |');
  });
});
