/** Rejections the inspector saw, counted per (reason, topic): the page's rejections table. */
import type { RejectionCount } from './api-types.js';

export interface RejectionCounter {
  add(topic: string, reason: string, detail: string, at: number): void;
  /** Sorted by topic, then reason. */
  list(): RejectionCount[];
}

export function createRejectionCounter(): RejectionCounter {
  const counts = new Map<string, { topic: string; reason: string; count: number; lastDetail: string; lastAt: number }>();
  return {
    add(topic, reason, detail, at) {
      const key = `${topic}\u0000${reason}`;
      const entry = counts.get(key);
      if (entry === undefined) counts.set(key, { topic, reason, count: 1, lastDetail: detail, lastAt: at });
      else {
        entry.count++;
        entry.lastDetail = detail;
        entry.lastAt = at;
      }
    },
    list: () =>
      [...counts.values()]
        .map((e) => ({ ...e }))
        .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0)),
  };
}
