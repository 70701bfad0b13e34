import { describe, expect, it } from 'vitest';
import { createDelivery } from '../../../src/runtime/delivery.js';
import { createStore } from '../../../src/runtime/store.js';
import { createTestSystem } from '../fixtures.js';

function setup() {
  const store = createStore(createTestSystem());
  const power = store.domains.get('power')!;
  const seen: unknown[] = [];
  const errors: string[] = [];
  const delivery = createDelivery({
    entries: [power, store.domains.get('lighting')!],
    callbacks: {
      power: (state) => {
        seen.push(state);
        if (state === 'boom') throw new Error('boom');
      },
    },
    context: () => 'ctx',
    onError: (callback) => errors.push(callback),
  });
  const update = (state: unknown, deferred = false): void => {
    store.apply(power, state, 1, 1, 0);
    delivery.notify(power, deferred);
  };
  return { store, delivery, seen, errors, update };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('delivery of update callbacks', () => {
  it('discards before the start, holds while starting or paused and delivers the latest once on resume', async () => {
    const { delivery, seen, update } = setup();
    update(1);
    delivery.setMode('hold');
    update(2);
    update(3);
    expect(seen).toEqual([]);
    delivery.setMode('deliver');
    expect(seen).toEqual([3]);
    update(4);
    expect(seen).toEqual([3, 4]);
    delivery.setMode('discard');
    update(5);
    delivery.setMode('deliver');
    await tick();
    expect(seen).toEqual([3, 4]);
  });

  it('delivers own publishes on a microtask, and reports a throwing callback without stopping', async () => {
    const { delivery, seen, errors, update } = setup();
    delivery.setMode('deliver');
    update('own', true);
    expect(seen).toEqual([]);
    await tick();
    expect(seen).toEqual(['own']);
    update('boom');
    update('after');
    expect(errors).toEqual(['onUpdate.power']);
    expect(seen).toEqual(['own', 'boom', 'after']);
  });
});
