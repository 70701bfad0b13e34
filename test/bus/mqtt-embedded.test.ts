import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusMessage } from '../../src/bus/bus.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { createMqttBus } from '../../src/bus/mqtt.js';
import { parseMqttUrl } from '../../src/bus/mqtt-url.js';

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function collect(bus: Bus): BusMessage[] {
  const got: BusMessage[] = [];
  bus.onMessage((m) => got.push(m));
  return got;
}

describe('MQTT adapter on the embedded aedes broker (quick)', () => {
  let broker: EmbeddedBroker;
  let n = 0;
  const open: Bus[] = [];
  const bus = (extra: Partial<Parameters<typeof createMqttBus>[1]> = {}): Bus => {
    const b = createMqttBus(broker.url, { clientId: `quick-${process.pid}-${n++}`, ...extra });
    open.push(b);
    return b;
  };
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
  });
  afterAll(async () => {
    await Promise.all(open.map((b) => b.close()));
    await broker.close();
  });

  it('starts on a free port on 127.0.0.1', () => {
    expect(broker.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(broker.port).toBeGreaterThan(0);
  });

  it('delivers retained state to a late joiner, flagged retained', async () => {
    const pub = bus();
    await pub.connect();
    await pub.publish('q/state/a', Buffer.from('A'), { retain: true });
    const sub = bus();
    await sub.connect();
    const got = collect(sub);
    await sub.subscribe('q/state/+');
    await until(() => got.length === 1);
    expect(got[0]).toMatchObject({ topic: 'q/state/a', retained: true });
    expect(got[0]!.payload.toString()).toBe('A');
    await pub.publish('q/state/a', Buffer.from('B'), { retain: true });
    await until(() => got.length === 2);
    expect(got[1]).toMatchObject({ topic: 'q/state/a', retained: false });
  });

  it('fires the will on abrupt close, not on clean close', async () => {
    const watcher = bus();
    await watcher.connect();
    const got = collect(watcher);
    await watcher.subscribe('q/status/#');
    const clean = bus({ will: { topic: 'q/status/clean', payload: Buffer.from('offline') } });
    await clean.connect();
    await clean.close();
    const crash = bus({ will: { topic: 'q/status/crash', payload: Buffer.from('offline') } });
    await crash.connect();
    await crash.close({ abrupt: true });
    await until(() => got.some((m) => m.topic === 'q/status/crash'));
    expect(got.map((m) => m.topic)).toEqual(['q/status/crash']);
  });

  it('rejects with bus-unreachable when nothing listens', async () => {
    const b = createMqttBus('mqtt://127.0.0.1:1', { clientId: 'nobody', connectTimeoutMs: 2_000 });
    await expect(b.connect()).rejects.toMatchObject({ code: 'bus-unreachable' });
    await b.close();
  });

  it('parses protocol and credentials from the URL', () => {
    expect(parseMqttUrl('mqtts://u%40x:p%3Aw@example.com?protocol=5')).toEqual({
      secure: true, host: 'example.com', port: 8883, username: 'u@x', password: 'p:w', protocolVersion: 5,
    });
    expect(() => parseMqttUrl('mqtt://h?protocol=6')).toThrow(/protocol must be/);
    expect(() => parseMqttUrl('http://h')).toThrow(/not an MQTT URL/);
  });
});
