/**
 * The console's lines for rejected messages, rate-limited as the runtime's reports are: the
 * first of a kind at once, then at most one per interval with the count since, so a flood of
 * garbage costs a line per interval, never one per message.
 */
import { createReportLimiter } from '../../runtime/report-limiter.js';

export const CONSOLE_REJECTION_INTERVAL_MS = 10_000;

export function createRejectionLines(
  note: (line: string) => void,
  now: () => number = Date.now,
  intervalMs: number = CONSOLE_REJECTION_INTERVAL_MS,
): (topic: string, reason: string, detail: string) => void {
  const limiter = createReportLimiter(now, intervalMs);
  return (topic, reason, detail) => {
    // Unknown domains are keyed by reason alone: a flood on random topics must not print a line per topic.
    const count = limiter.admit(reason === 'unknown-domain' ? reason : `${reason}\u0000${topic}`);
    if (count === undefined) return;
    note(`rejected on ${topic}: ${reason}: ${detail}${count > 1 ? ` (${count} since the last report)` : ''}`);
  };
}
