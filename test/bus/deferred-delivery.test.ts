import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/bus/bus.js';
import { createDeferredDelivery } from '../../src/bus/deferred-delivery.js';

const message = (topic: string): BusMessage => ({ topic, payload: Buffer.from(topic), retained: false });
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('deferred delivery', () => {
  it('delivers in order on a later turn, never inside push', async () => {
    const got: string[] = [];
    const delivery = createDeferredDelivery((m) => got.push(m.topic));
    delivery.push(message('a'));
    delivery.push(message('b'));
    expect(got).toEqual([]);
    await turn();
    expect(got).toEqual(['a', 'b']);
  });

  it('leaves what is pushed during a delivery for the next turn', async () => {
    const got: string[] = [];
    const delivery = createDeferredDelivery((m) => {
      got.push(m.topic);
      if (m.topic === 'a') delivery.push(message('a2'));
    });
    delivery.push(message('a'));
    delivery.push(message('b'));
    await turn();
    expect(got).toEqual(['a', 'b']);
    await turn();
    expect(got).toEqual(['a', 'b', 'a2']);
  });

  it('delivers nothing that was queued before a clear', async () => {
    const got: string[] = [];
    const delivery = createDeferredDelivery((m) => got.push(m.topic));
    delivery.push(message('a'));
    delivery.clear();
    await turn();
    delivery.push(message('b'));
    await turn();
    expect(got).toEqual(['b']);
  });
});
