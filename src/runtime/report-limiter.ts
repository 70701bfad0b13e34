/**
 * Rate limit for reports of one kind (e.g. rejections of one reason on one domain): the
 * first is reported at once, later ones at most once per interval, each with the count
 * since the last report. A flood of garbage thus costs a counter increment per message
 * and a log line per interval, never a line per message.
 */
export interface ReportLimiter {
  /** Count one occurrence of `key`; returns how many to report now (>= 1), or undefined to stay quiet. */
  admit(key: string): number | undefined;
}

interface Window {
  lastAt: number;
  since: number;
}

/** Keys remembered at most (a flood on many topics must not grow memory): beyond it, the oldest windows are forgotten. */
const MAX_KEYS = 10_000;

export function createReportLimiter(now: () => number, intervalMs: number): ReportLimiter {
  const windows = new Map<string, Window>();
  return {
    admit(key) {
      const t = now();
      const window = windows.get(key);
      if (window === undefined) {
        if (windows.size >= MAX_KEYS) windows.delete(windows.keys().next().value!);
        windows.set(key, { lastAt: t, since: 0 });
        return 1;
      }
      window.since++;
      if (t - window.lastAt < intervalMs) return undefined;
      window.lastAt = t;
      const count = window.since;
      window.since = 0;
      return count;
    },
  };
}
