import { describe, expect, it } from 'vitest';
import { BusError } from '../../src/bus/bus.js';
import { createBus } from '../../src/bus/create-bus.js';

describe('createBus', () => {
  it('dispatches on the scheme', () => {
    expect(createBus('mqtt://127.0.0.1:1', { clientId: 'a' }).kind).toBe('mqtt');
    expect(createBus('mqtts://example.com?protocol=5', { clientId: 'a' }).kind).toBe('mqtt');
    expect(createBus('memory://x', { clientId: 'a' }).kind).toBe('memory');
    expect(createBus('nats://127.0.0.1:1,127.0.0.1:2?replicas=3', { clientId: 'a' }).kind).toBe('nats');
    expect(createBus(undefined, { clientId: 'a' }).kind).toBe('memory');
  });

  it('shares one in-process broker per memory:// name', async () => {
    const a = createBus('memory://shared-test', { clientId: 'a' });
    const b = createBus('memory://shared-test', { clientId: 'b' });
    const other = createBus('memory://other-test', { clientId: 'c' });
    await Promise.all([a.connect(), b.connect(), other.connect()]);
    await a.publish('t', Buffer.from('x'), { retain: true });
    const seen: string[] = [];
    b.onMessage((m) => seen.push(`b:${m.topic}`));
    other.onMessage((m) => seen.push(`other:${m.topic}`));
    await b.subscribe('#');
    await other.subscribe('#');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['b:t']);
    await Promise.all([a.close(), b.close(), other.close()]);
  });

  it.each(['ws://h', 'http://h', 'localhost:1883', '', 'mqtt://h?protocol=7', 'nats://', 'nats://h?replicas=0', 'nats://h?stream=x', 'nats://h:99999'])('rejects %j with bus-url-invalid', (url) => {
    expect(() => createBus(url, { clientId: 'a' })).toThrow(BusError);
    try {
      createBus(url, { clientId: 'a' });
    } catch (error) {
      expect((error as BusError).code).toBe('bus-url-invalid');
    }
  });
});
