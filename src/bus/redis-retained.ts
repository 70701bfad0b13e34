/**
 * The Redis adapter's retained read: SCAN the keys a set of MQTT patterns covers (one glob
 * covering them all) and MGET them, delivering each key once, as retained.
 *
 * MQTT wildcards map to Redis globs: `+` → `*` and a trailing `#` → `*` (the parent topic
 * included). A glob `*` also crosses `/`, so every key is checked with `matchesTopic`.
 */
import type { Redis } from 'ioredis';
import { matchesTopic, type BusMessage } from './bus.js';

/**
 * Keys visited per SCAN call. A bigger count means fewer round trips (1,000 domains take one
 * call, not two or three); each call still blocks the server only briefly (~1 ms per 10k keys).
 */
const SCAN_COUNT = 10_000;
/** Keys per MGET: bounds one reply's size; the MGETs of a SCAN page are sent together (pipelined). */
const MGET_BATCH = 1_000;

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

/** `a/+/b` → `a/*\/b`; `a/#` → `a*`; glob metacharacters in literal levels are escaped. */
export function toRedisGlob(pattern: string): string {
  const levels = pattern.split('/');
  let glob = '';
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level === '#') return glob + '*';
    if (i > 0) glob += '/';
    glob += level === '+' ? '*' : escapeGlob(level);
  }
  return glob;
}

/** The literal text every topic `pattern` matches starts with (`a/#` also matches `a`: no slash). */
function literalPrefix(pattern: string): string {
  const levels = pattern.split('/');
  let prefix = '';
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level === '#') return prefix;
    if (i > 0) prefix += '/';
    if (level === '+') return prefix;
    prefix += level;
  }
  return prefix;
}

/** One glob matching every key any of `patterns` can match: their common literal prefix, then `*`. */
export function toCoveringGlob(patterns: readonly string[]): string {
  if (patterns.length === 1) return toRedisGlob(patterns[0]!);
  let common = literalPrefix(patterns[0]!);
  for (const pattern of patterns.slice(1)) {
    const prefix = literalPrefix(pattern);
    let i = 0;
    while (i < common.length && i < prefix.length && common[i] === prefix[i]) i++;
    common = common.slice(0, i);
  }
  return escapeGlob(common) + '*';
}

/**
 * Reads the keys `wanted` patterns match and delivers each once, as retained. A page's MGETs
 * are sent before the next SCAN, so they share the round trips.
 */
export async function readRetainedKeys(c: Redis, wanted: readonly string[], deliver: (message: BusMessage) => void): Promise<void> {
  if (wanted.length === 0) return;
  const glob = toCoveringGlob(wanted);
  const seen = new Set<string>();
  const reads: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  const deliverValues = (keys: readonly string[], values: readonly (Buffer | null)[]): void => {
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      if (value) deliver({ topic: keys[i]!, payload: value, retained: true });
    }
  };
  let cursor = '0';
  do {
    const [next, keys] = await c.scan(cursor, 'MATCH', glob, 'COUNT', SCAN_COUNT);
    cursor = next;
    // SCAN may return a key twice; a glob `*` crosses levels, and the covering glob covers more: filter.
    const page = keys.filter((k) => !seen.has(k) && wanted.some((pattern) => matchesTopic(pattern, k)));
    for (const k of page) seen.add(k);
    for (let i = 0; i < page.length; i += MGET_BATCH) {
      const slice = page.slice(i, i + MGET_BATCH);
      // Handled at once: a SCAN failing meanwhile must not leave this rejection unhandled.
      reads.push(c.mgetBuffer(...slice).then((values) => deliverValues(slice, values), (error: unknown) => void (failure ??= { error })));
    }
  } while (cursor !== '0');
  await Promise.all(reads);
  if (failure) throw failure.error;
}
