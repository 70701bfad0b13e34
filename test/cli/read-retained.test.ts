/**
 * Reading retained state within a bounded time (what `chinook check-live` waits for), on the
 * in-memory bus, which like MQTT gives no end-of-retained signal.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBroker, createMemoryBus } from '../../src/bus/memory.js';
import { readRetained } from '../../src/cli/read-retained.js';

async function busWith(retained: Record<string, string>) {
  const broker = createMemoryBroker();
  const writer = createMemoryBus(broker, { clientId: 'w' });
  await writer.connect();
  for (const [topic, payload] of Object.entries(retained)) await writer.publish(topic, Buffer.from(payload), { retain: true });
  await writer.close();
  const observer = createMemoryBus(broker, { clientId: 'o', observer: true });
  await observer.connect();
  return observer;
}

describe('readRetained', () => {
  it('ends soon after every expected topic has arrived, well before the timeout', async () => {
    const bus = await busWith({ 'p/state/a': '1', 'p/state/b': '2', 'p/state/zombie': '3' });
    const started = Date.now();
    const read = await readRetained(bus, { pattern: 'p/state/+', expected: ['p/state/a', 'p/state/b'], timeoutMs: 20_000, settleMs: 50 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(read.timedOut).toBe(false);
    expect([...read.messages.keys()].sort()).toEqual(['p/state/a', 'p/state/b', 'p/state/zombie']);
    await bus.close();
  });

  it('gives up at the timeout when an expected topic never comes, with what it has', async () => {
    const bus = await busWith({ 'p/state/a': '1' });
    const started = Date.now();
    const read = await readRetained(bus, { pattern: 'p/state/+', expected: ['p/state/a', 'p/state/never'], timeoutMs: 300 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(10_000);
    expect(read.timedOut).toBe(true);
    expect([...read.messages.keys()]).toEqual(['p/state/a']);
    await bus.close();
  });
});
