import { describe, expect, it } from 'vitest';
import type { RuntimeLogEvent } from '../../../src/runtime/index.js';
import { createRejecter, type RejectCounts } from '../../../src/runtime/rejecter.js';
import { createReportLimiter } from '../../../src/runtime/report-limiter.js';

describe('rejecter', () => {
  it('counts every rejection and reports once per interval per (reason, domain or topic)', () => {
    let clock = 0;
    const counters: RejectCounts = { rejected: {} };
    const reports: RuntimeLogEvent[] = [];
    const reject = createRejecter(counters, createReportLimiter(() => clock, 1000), (event) => reports.push(event));
    reject('stale', 'p/state/power', 'power', 'old');
    reject('stale', 'p/state/power', 'power', 'old');
    reject('stale', 'p/state/lighting', 'lighting', 'old');
    reject('not-json', 'p/status/x', undefined, 'garbage');
    clock = 1000;
    reject('stale', 'p/state/power', 'power', 'old again');
    expect(counters.rejected).toEqual({ stale: 4, 'not-json': 1 });
    expect(reports).toEqual([
      { type: 'rejected', reason: 'stale', topic: 'p/state/power', domain: 'power', detail: 'old', count: 1 },
      { type: 'rejected', reason: 'stale', topic: 'p/state/lighting', domain: 'lighting', detail: 'old', count: 1 },
      // No domain: the report has no `domain` key at all, and is limited by topic.
      { type: 'rejected', reason: 'not-json', topic: 'p/status/x', detail: 'garbage', count: 1 },
      { type: 'rejected', reason: 'stale', topic: 'p/state/power', domain: 'power', detail: 'old again', count: 2 },
    ]);
  });

  it('keeps the count when the report throws', () => {
    const counters: RejectCounts = { rejected: {} };
    const reject = createRejecter(counters, createReportLimiter(() => 0, 1000), () => {
      throw new Error('log down');
    });
    expect(() => reject('stale', 't', 'd', 'x')).toThrow('log down');
    expect(counters.rejected).toEqual({ stale: 1 });
  });
});
