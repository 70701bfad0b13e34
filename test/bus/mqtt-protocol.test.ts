/**
 * Which MQTT protocol a connection speaks: the one asked for (option or `?protocol=`), or
 * negotiated — MQTT 5 where the broker speaks it (No Local then keeps an owner's own
 * states from coming back), 3.1.1 where it refuses 5 (aedes). And the write coalescing
 * of the adapter's sockets.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusMessage } from '../../src/bus/bus.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { createMqttBus } from '../../src/bus/mqtt.js';
import { coalesceWrites } from '../../src/bus/mqtt-socket.js';
import { describeIfBinary, startMosquitto, type ExternalBroker } from '../support/brokers.js';

let n = 0;
const open: Bus[] = [];
afterAll(async () => {
  await Promise.all(open.map((b) => b.close()));
});

async function connected(url: string, protocolVersion?: 4 | 5): Promise<Bus> {
  const bus = createMqttBus(url, { clientId: `proto-${process.pid}-${n++}`, ...(protocolVersion ? { protocolVersion } : {}) });
  open.push(bus);
  await bus.connect();
  return bus;
}

describe('MQTT protocol negotiation on the embedded aedes broker (MQTT 3.1.1 only)', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
  });
  afterAll(async () => {
    await broker.close();
  });

  it('falls back to 3.1.1 when the broker refuses MQTT 5, and own messages come back', async () => {
    const bus = await connected(broker.url);
    expect(bus.honoursNoLocal).toBe(false);
    const got: BusMessage[] = [];
    bus.onMessage((m) => got.push(m));
    await bus.subscribe('neg/+', { noLocal: true });
    await bus.publish('neg/own', Buffer.from('mine'), { retain: false });
    await expect.poll(() => got.map((m) => m.topic), { timeout: 10_000 }).toEqual(['neg/own']);
  });

  it('asked for MQTT 5 explicitly, a 3.1.1-only broker is a coded refusal, not a silent downgrade', async () => {
    const bus = createMqttBus(`${broker.url}?protocol=5`, { clientId: `proto-${process.pid}-${n++}`, reconnectPeriodMs: 100 });
    open.push(bus);
    await expect(bus.connect()).rejects.toMatchObject({ code: 'bus-refused', message: expect.stringMatching(/does not speak MQTT 5 \(.*protocol version.*\): leave `protocol` out of the URL to negotiate$/i) });
  });
});

describeIfBinary('mosquitto', 'MQTT protocol negotiation on mosquitto (MQTT 5 capable)', () => {
  let server: ExternalBroker;
  beforeAll(async () => {
    server = await startMosquitto();
  });
  afterAll(async () => {
    await server.stop();
  });

  /** Subscribes with No Local, publishes once on its own and once from another connection: the topics that came back. */
  async function echoedTopics(bus: Bus, prefix: string): Promise<string[]> {
    const got: BusMessage[] = [];
    bus.onMessage((m) => got.push(m));
    await bus.subscribe(`${prefix}/+`, { noLocal: true });
    await bus.publish(`${prefix}/own`, Buffer.from('mine'), { retain: false });
    const other = await connected(server.url, 4);
    await other.publish(`${prefix}/other`, Buffer.from('theirs'), { retain: false });
    // QoS 1 from one broker to one subscriber keeps order per publisher only: wait for the
    // other's message, then give the own one (published first) time to overtake nothing.
    await expect.poll(() => got.some((m) => m.topic === `${prefix}/other`), { timeout: 10_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    return got.map((m) => m.topic).sort();
  }

  it('speaks MQTT 5 by default, so No Local keeps its own messages away', async () => {
    const bus = await connected(server.url);
    expect(bus.honoursNoLocal).toBe(true);
    expect(await echoedTopics(bus, 'neg5')).toEqual(['neg5/other']);
  });

  it('speaks 3.1.1 when asked (?protocol=4): its own messages come back', async () => {
    const bus = await connected(`${server.url}?protocol=4`);
    expect(bus.honoursNoLocal).toBe(false);
    expect(await echoedTopics(bus, 'neg4')).toEqual(['neg4/other', 'neg4/own']);
  });
});

describe('coalesceWrites', () => {
  it('holds the packets written in one turn of the event loop and releases them together at setImmediate', async () => {
    const server = net.createServer((s) => s.resume());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const socket = coalesceWrites(net.createConnection({ host: '127.0.0.1', port }));
    await new Promise<void>((r) => socket.once('connect', r));
    // What mqtt-packet does per packet: cork, write, uncork on the next tick.
    for (const chunk of ['a', 'b', 'c']) {
      socket.cork();
      socket.write(chunk);
      process.nextTick(() => socket.uncork());
    }
    await new Promise((r) => process.nextTick(r));
    expect(socket.writableCorked).toBeGreaterThan(0);
    expect(socket.writableLength).toBe(3);
    await new Promise((r) => setImmediate(r));
    expect(socket.writableCorked).toBe(0);
    socket.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
