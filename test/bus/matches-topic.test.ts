import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesTopic } from '../../src/bus/bus.js';

/** The obvious definition (split into levels), as the oracle. */
function oracle(pattern: string, topic: string): boolean {
  if (topic.startsWith('$') && (pattern.startsWith('+') || pattern.startsWith('#'))) return false;
  const p = pattern.split('/');
  const t = topic.split('/');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '#') return true;
    if (i >= t.length) return false;
    if (p[i] !== '+' && p[i] !== t[i]) return false;
  }
  return p.length === t.length;
}

describe('matchesTopic', () => {
  it.each([
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['a/#', 'ab', false],
    ['#', 'x/y', true],
    ['#', '$SYS/x', false],
    ['+/x', '$chinook/x', false],
    ['$chinook/#', '$chinook/alive/a', true],
    ['a/', 'a/', true],
    ['a/', 'a', false],
    ['+', '', true],
    ['a/+', 'a/', true],
  ])('%s vs %s → %s', (pattern, topic, expected) => {
    expect(matchesTopic(pattern, topic)).toBe(expected);
  });

  it('agrees with the split-based definition on random patterns and topics', () => {
    const level = fc.constantFrom('a', 'b', 'ab', '', '$x', 'c');
    const topic = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join('/'));
    const pattern = fc
      .tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 0, maxLength: 5 }), fc.boolean())
      .filter(([l, hash]) => l.length > 0 || hash)
      .map(([l, hash]) => [...l, ...(hash ? ['#'] : [])].join('/'));
    fc.assert(fc.property(pattern, topic, (p, t) => matchesTopic(p, t) === oracle(p, t)), { numRuns: 5000 });
  });
});
