import { describe, expect, it } from 'vitest';
import { createMemoryBroker, createMemoryBus } from '../../../src/runtime/index.js';
import { createPresence } from '../../../src/runtime/presence.js';

describe('presence', () => {
  it('registers an offline will with the epoch, says online, notices its echo, answers a foreign offline', async () => {
    const presence = createPresence({ service: 's', topic: 'p/status/s', epoch: () => 7, now: () => 0 });
    expect(JSON.parse(presence.will().payload.toString())).toMatchObject({ service: 's', status: 'offline', epoch: 7 });
    expect(presence.receivedOwn('offline', 7)).toBe(false); // never online: nothing to answer
    const broker = createMemoryBroker();
    const bus = createMemoryBus(broker, { clientId: 'c' });
    await bus.connect();
    const echoed = presence.ownOnlineEchoed(5_000);
    await presence.publish(bus, 'online');
    expect(presence.onlineSent).toBe(true);
    expect(presence.receivedOwn('online', 7)).toBe(false);
    await echoed;
    expect(presence.receivedOwn('offline', 6)).toBe(true);
    await bus.close();
  });

  it('goes on without the echo after the timeout', async () => {
    const presence = createPresence({ service: 's', topic: 't', epoch: () => 1, now: () => 0 });
    await presence.ownOnlineEchoed(5);
  });
});
