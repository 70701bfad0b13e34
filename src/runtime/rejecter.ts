/**
 * What becomes of a message the receive path refuses: it is counted per reason, and
 * reported rate-limited per (reason, domain or topic), so a flood costs a counter
 * increment per message and a log line per interval.
 */
import type { RejectReason, RuntimeLogEvent } from './contract.js';
import type { ReportLimiter } from './report-limiter.js';

/** Rejections so far, by reason. */
export interface RejectCounts {
  rejected: { [reason in RejectReason]?: number };
}

/** Count and report (rate-limited) a rejected message; `domain` undefined for a status or an unmatched topic. */
export type Reject = (reason: RejectReason, topic: string, domain: string | undefined, detail: string) => void;

export function createRejecter(counters: RejectCounts, limiter: ReportLimiter, report: (event: RuntimeLogEvent) => void): Reject {
  return (reason, topic, domain, detail) => {
    counters.rejected[reason] = (counters.rejected[reason] ?? 0) + 1;
    const count = limiter.admit(`${reason}\u0000${domain ?? topic}`);
    if (count === undefined) return;
    report(domain === undefined ? { type: 'rejected', reason, topic, detail, count } : { type: 'rejected', reason, topic, domain, detail, count });
  };
}
