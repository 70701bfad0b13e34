import { describe, expect, it } from 'vitest';
import { createEchoQueue } from '../../../src/runtime/echo-queue.js';

const b = (text: string): Buffer => Buffer.from(text);

describe('echo queue', () => {
  it('recognises an echo by its bytes and forgets it and everything older', () => {
    const queue = createEchoQueue();
    for (const text of ['a', 'b', 'c']) queue.remember(b(text));
    expect(queue.take(b('x'))).toBe(false);
    expect(queue.take(b('b'))).toBe(true);
    expect(queue.size).toBe(1);
    expect(queue.take(b('a'))).toBe(false); // skipped: its echo was lost
    expect(queue.take(b('c'))).toBe(true);
    expect(queue.size).toBe(0);
  });

  it('stays within its item and byte limits, dropping the oldest', () => {
    const queue = createEchoQueue({ maxItems: 3, maxBytes: 10 });
    for (const text of ['1', '2', '3', '4']) queue.remember(b(text));
    expect(queue.size).toBe(3);
    expect(queue.take(b('1'))).toBe(false);
    queue.remember(b('xxxxxxxxx')); // 9 bytes: 2 and 3 must go (4 + 9 = 10 bytes)
    expect(queue.size).toBe(2);
    expect(queue.take(b('xxxxxxxxx'))).toBe(true);
  });

  it('keeps working across many cycles of its compaction (amortised prefix cut)', () => {
    const queue = createEchoQueue();
    for (let i = 0; i < 1000; i++) queue.remember(b(String(i)));
    for (let i = 0; i < 1000; i += 7) expect(queue.take(b(String(i)))).toBe(true);
    expect(queue.size).toBe(1000 - 995);
    queue.clear();
    expect(queue.size).toBe(0);
  });
});
