import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/bus/bus.js';
import { createMemoryBroker, createMemoryBus } from '../../src/bus/memory.js';

const bytes = (s: string): Buffer => Buffer.from(s);

function collect(bus: { onMessage(l: (m: BusMessage) => void): () => void }): BusMessage[] {
  const got: BusMessage[] = [];
  bus.onMessage((m) => got.push(m));
  return got;
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('memory bus specifics', () => {
  it('delivers asynchronously, never inside publish', async () => {
    const broker = createMemoryBroker();
    const a = createMemoryBus(broker, { clientId: 'a' });
    await a.connect();
    await a.subscribe('x/#');
    const got = collect(a);
    await a.publish('x/1', bytes('1'), { retain: false });
    expect(got).toHaveLength(0);
    await until(() => got.length === 1);
    await a.close();
  });

  it('publish before connect is a bus-closed error', async () => {
    const a = createMemoryBus(createMemoryBroker(), { clientId: 'a' });
    await expect(a.publish('x', bytes('1'), { retain: false })).rejects.toMatchObject({ code: 'bus-closed' });
  });

  it('a retained empty payload clears the retained message', async () => {
    const broker = createMemoryBroker();
    const a = createMemoryBus(broker, { clientId: 'a' });
    await a.connect();
    await a.publish('x', bytes('1'), { retain: true });
    expect(broker.retainedTopics()).toEqual(['x']);
    await a.publish('x', new Uint8Array(0), { retain: true });
    expect(broker.retainedTopics()).toEqual([]);
    await a.close();
  });

  it('an observer reads retained messages and is refused any publish', async () => {
    const broker = createMemoryBroker();
    const writer = createMemoryBus(broker, { clientId: 'w' });
    await writer.connect();
    await writer.publish('x', bytes('1'), { retain: true });
    const observer = createMemoryBus(broker, { clientId: 'o', observer: true });
    await observer.connect();
    const got = collect(observer);
    await observer.subscribe('#');
    await until(() => got.length === 1);
    await expect(observer.publish('x', bytes('2'), { retain: true })).rejects.toMatchObject({ code: 'bus-refused' });
    expect(got.map((m) => m.payload.toString())).toEqual(['1']);
    await Promise.all([writer.close(), observer.close()]);
  });
});
