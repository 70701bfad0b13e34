import { describe, expect, it } from 'vitest';
import { renderBusesTable } from '../../bench/lib/buses-table.js';
import type { BenchResults } from '../../bench/lib/report.js';

describe("docs/buses.md's table from a run's rows", () => {
  it('puts each bus on one line with the raw figure beside Chinook\'s, and leaves out buses not measured', () => {
    const results: BenchResults = {
      machine: { date: '2026-11-30T00:00:00.000Z', nproc: 2, cpu: 'CPU', node: 'v20', platform: 'Linux', brokers: { redis: '7' }, quick: false, rounds: 5 },
      skipped: [],
      rows: [
        { name: 'update throughput, redis (window 100)', value: 20273.4, unit: 'updates/s', baseline: { name: 'raw', value: 19811 } },
        { name: 'update latency p50, redis', value: 0.126, unit: 'ms', baseline: { name: 'raw', value: 0.0759 } },
        { name: 'crash → offline seen by a peer, SIGKILL (process dies), redis', value: 2059, unit: 'ms', baseline: { name: 'expiry', value: 2000 } },
      ],
    };
    const table = renderBusesTable(results);
    expect(table).toContain('| Redis | 20,273 (raw 19,811) | 0.126 ms (raw 0.0759 ms) | not measured | not measured | 2.1 s | not measured |');
    expect(table).not.toContain('mosquitto (');
    expect(table).toContain('2026-11-30T00:00:00.000Z');
  });
});
