/** What changed between two JSON values, as JSON Pointer paths: the page's "what changed" column. */
import type { StateChange } from './api-types.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The leaves that differ between `before` and `after`, at most `limit` of them (depth first,
 * keys in order); `truncated` when there were more. Objects and arrays are walked; anything
 * else (or a change of type) is one change at its path.
 */
export function diffStates(before: unknown, after: unknown, limit = 20): { changes: StateChange[]; truncated: boolean } {
  const changes: StateChange[] = [];
  let truncated = false;
  const pending: { path: string; a: unknown; b: unknown }[] = [{ path: '', a: before, b: after }];
  while (pending.length > 0) {
    const { path, a, b } = pending.pop()!;
    const both = (isObject(a) && isObject(b)) || (Array.isArray(a) && Array.isArray(b));
    if (!both) {
      if (a === b || (typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b))) continue;
      if (changes.length === limit) {
        truncated = true;
        break;
      }
      changes.push({ path, kind: 'changed', before: a, after: b });
      continue;
    }
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])];
    // Pushed in reverse so that they come off the stack in key order.
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const child = `${path}/${escapePointer(key)}`;
      const inA = Object.hasOwn(ra, key);
      const inB = Object.hasOwn(rb, key);
      if (inA && inB) pending.push({ path: child, a: ra[key], b: rb[key] });
      else if (changes.length === limit) truncated = true;
      else changes.push(inA ? { path: child, kind: 'removed', before: ra[key] } : { path: child, kind: 'added', after: rb[key] });
    }
    if (truncated) break;
  }
  return { changes, truncated };
}
