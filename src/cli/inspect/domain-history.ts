/** The last updates of each domain, kept as states; what changed is worked out when asked. */
import type { HistoryEntry } from './api-types.js';
import { diffStates } from './diff-state.js';

interface Update {
  readonly epoch: number;
  readonly seq: number;
  readonly time: string;
  readonly receivedAt: number;
  readonly state: unknown;
}

export interface DomainHistory {
  record(domain: string, update: Update): void;
  /** Newest first, each with what changed from the one before it. */
  entries(domain: string): HistoryEntry[];
}

/**
 * Keeps `size + 1` updates per domain in a ring (the extra one is the base of the oldest
 * entry's changes). Recording is O(1): at 10,000 updates a second nothing is diffed until
 * someone looks.
 */
export function createDomainHistory(size: number): DomainHistory {
  const rings = new Map<string, { readonly items: Update[]; next: number }>();
  const capacity = size + 1;
  return {
    record(domain, update) {
      let ring = rings.get(domain);
      if (ring === undefined) rings.set(domain, (ring = { items: [], next: 0 }));
      if (ring.items.length < capacity) ring.items.push(update);
      else ring.items[ring.next] = update;
      ring.next = (ring.next + 1) % capacity;
    },
    entries(domain) {
      const ring = rings.get(domain);
      if (ring === undefined) return [];
      const n = ring.items.length;
      const ordered = n < capacity ? ring.items : [...ring.items.slice(ring.next), ...ring.items.slice(0, ring.next)];
      const entries: HistoryEntry[] = [];
      // With a full ring, the oldest update is only the base of the next one's changes.
      const first = n === capacity ? 1 : 0;
      for (let i = ordered.length - 1; i >= first; i--) {
        const u = ordered[i]!;
        const base = i > 0 ? ordered[i - 1] : undefined;
        const { changes, truncated } = base === undefined ? { changes: [], truncated: false } : diffStates(base.state, u.state);
        entries.push({ epoch: u.epoch, seq: u.seq, time: u.time, receivedAt: u.receivedAt, changes, truncated });
      }
      return entries;
    },
  };
}
