/** Updates per second per domain over the last minute: one counter per domain, rolled each second. */

export interface RateMeter {
  count(domain: string): void;
  /** Closes the current second: its counts (domains with none left out), kept in the history. */
  roll(): { readonly [domain: string]: number };
  /** The last `window` seconds of a domain, oldest first. */
  history(domain: string): number[];
  all(): { readonly [domain: string]: number[] };
}

export function createRateMeter(domains: readonly string[], window = 60): RateMeter {
  const current = new Map<string, number>();
  const past = new Map<string, number[]>(domains.map((d) => [d, new Array<number>(window).fill(0)]));
  const historyOf = (domain: string): number[] => {
    let h = past.get(domain);
    if (h === undefined) past.set(domain, (h = new Array<number>(window).fill(0)));
    return h;
  };
  return {
    count(domain) {
      current.set(domain, (current.get(domain) ?? 0) + 1);
    },
    roll() {
      const counts: Record<string, number> = {};
      for (const [domain, h] of past) {
        const n = current.get(domain) ?? 0;
        h.shift();
        h.push(n);
        if (n > 0) counts[domain] = n;
      }
      for (const [domain, n] of current) {
        if (!past.has(domain)) {
          historyOf(domain)[window - 1] = n;
          counts[domain] = n;
        }
      }
      current.clear();
      return counts;
    },
    history: (domain) => [...historyOf(domain)],
    all: () => Object.fromEntries([...past].map(([d, h]) => [d, [...h]])),
  };
}
