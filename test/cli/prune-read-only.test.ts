/**
 * `chinook prune`'s retained read with an identity that may only read (an observer): on MQTT 5
 * the broker denies its end-of-retained marker (reason code 0x87). The read must still list
 * what it received, waiting out its time limit, as it does on 3.1.1 where the marker is
 * dropped silently.
 */
import { describe, expect, it } from 'vitest';
import { BusError, type Bus, type BusMessage } from '../../src/bus/bus.js';
import { readRetainedTopics } from '../../src/cli/prune/read-retained.js';

function readOnlyBus(retained: readonly string[], publishError: Error): Bus {
  const listeners = new Set<(m: BusMessage) => void>();
  return {
    kind: 'fake',
    connect: async () => {},
    async subscribe(pattern) {
      if (!pattern.includes('+')) return;
      for (const topic of retained) for (const l of listeners) l({ topic, payload: Buffer.from('x'), retained: true });
    },
    publish: () => Promise.reject(publishError),
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onEvent: () => () => {},
    close: async () => {},
  };
}

describe('retained read by a read-only identity', () => {
  it('lists what arrived when the broker denies the marker, after the time limit', async () => {
    const bus = readOnlyBus(['p/state/a', 'p/status/s'], new BusError('the broker denied publishing on p/prune/x: Not authorized (MQTT reason code 135)', 'bus-denied'));
    const started = Date.now();
    expect([...(await readRetainedTopics(bus, ['p/state/+', 'p/status/+'], 'p/prune', 200))].sort()).toEqual(['p/state/a', 'p/status/s']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('still fails on any other publish error (the bus is gone)', async () => {
    const bus = readOnlyBus([], new BusError('cannot publish: the bus is closed', 'bus-closed'));
    await expect(readRetainedTopics(bus, ['p/state/+'], 'p/prune', 200)).rejects.toMatchObject({ code: 'bus-closed' });
  });
});
