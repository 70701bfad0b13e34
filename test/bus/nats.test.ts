/**
 * What the NATS adapter adds to the conformance suite: its will emulation (fires exactly
 * once with several watchers, never for a live client, within keepalive + 200 ms), its
 * liveness bucket hidden from `#`, a cleared retained topic, and clear errors.
 */
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bus, BusMessage } from '../../src/bus/bus.js';
import { createNatsBus } from '../../src/bus/nats.js';
import { describeIfBinary, startNatsServer, type ExternalBroker } from '../support/brokers.js';

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describeIfBinary('nats-server', 'NATS adapter specifics', () => {
  let server: ExternalBroker;
  let coreOnly: ExternalBroker;
  const open: Bus[] = [];
  let n = 0;
  const bus = async (extra: Partial<Parameters<typeof createNatsBus>[1]> = {}, url = server.url): Promise<Bus> => {
    const b = createNatsBus(url, { clientId: `nats-spec-${n++}`, keepaliveSeconds: 1, reconnectPeriodMs: 100, ...extra });
    open.push(b);
    await b.connect();
    return b;
  };
  const collect = (b: Bus): BusMessage[] => {
    const got: BusMessage[] = [];
    b.onMessage((m) => got.push(m));
    return got;
  };
  beforeAll(async () => {
    [server, coreOnly] = await Promise.all([startNatsServer(), startNatsServer({ jetstream: false })]);
  });
  afterAll(async () => {
    await Promise.all(open.map((b) => b.close()));
    await Promise.all([server?.stop(), coreOnly?.stop()]);
  });

  it('fires a will exactly once with three watchers, within keepalive + the sweep period, never for a live client', async () => {
    // Every other client has a long keepalive of its own: the bound is the dead client's keepalive, not the watchers'.
    const watchers = await Promise.all([bus({ keepaliveSeconds: 30 }), bus({ keepaliveSeconds: 30 }), bus({ keepaliveSeconds: 30 })]);
    const seen = watchers.map(collect);
    await Promise.all(watchers.map((w) => w.subscribe('once/status/+')));
    const alive = await bus({ keepaliveSeconds: 30, will: { topic: 'once/status/alive', payload: Buffer.from('offline') } });
    const crash = await bus({ will: { topic: 'once/status/crash', payload: Buffer.from('offline') } });
    await alive.publish('once/status/alive', Buffer.from('online'), { retain: true });
    await crash.publish('once/status/crash', Buffer.from('online'), { retain: true });
    await until(() => seen.every((s) => s.length === 2), 'both online at every watcher');
    await crash.close({ abrupt: true });
    const closedAt = Date.now();
    await until(() => seen.every((s) => s.some((m) => m.payload.toString() === 'offline')), 'the will at every watcher');
    const detectedMs = Date.now() - closedAt;
    console.info(`nats: abrupt close seen offline after ${detectedMs} ms (keepalive 1 s, sweep 200 ms)`);
    // keepalive + sweep period + delivery, with slack for a loaded machine.
    expect(detectedMs).toBeLessThan(1_000 + 200 + 1_500);
    await sleep(2_500);
    for (const s of seen) expect(s.filter((m) => m.payload.toString() === 'offline').map((m) => m.topic)).toEqual(['once/status/crash']);
  });

  it('never shows its liveness entries to a # subscriber', async () => {
    await bus({ will: { topic: 'hidden/status/x', payload: Buffer.from('offline') } });
    const sub = await bus();
    const got = collect(sub);
    await sub.subscribe('#');
    await sleep(700); // two refreshes of the liveness entry
    const pub = await bus();
    await pub.publish('hidden/marker', Buffer.from('m'), { retain: false });
    await until(() => got.some((m) => m.topic === 'hidden/marker'), 'the marker');
    expect(got.filter((m) => m.topic.startsWith('$') || m.topic.includes('liveness'))).toEqual([]);
  });

  it('an empty retained payload clears the topic: a late joiner gets nothing, a live subscriber an empty message', async () => {
    const pub = await bus();
    const live = await bus();
    const got = collect(live);
    await live.subscribe('clear/state/+');
    await pub.publish('clear/state/a', Buffer.from('A'), { retain: true });
    await pub.publish('clear/state/a', Buffer.alloc(0), { retain: true });
    await until(() => got.length === 2, 'both live messages');
    expect(got.map((m) => m.payload.length)).toEqual([1, 0]);
    const late = await bus();
    const retained = collect(late);
    await late.subscribe('clear/state/+');
    expect(retained).toEqual([]);
  });

  it('refuses a server without JetStream with a clear bus-unreachable, and an unreachable one', async () => {
    // Without a will too: an observer on such a server must not connect to find nothing ever retained.
    const noJs = createNatsBus(coreOnly.url, { clientId: 'no-js', connectTimeoutMs: 1_000, reconnectPeriodMs: 100 });
    await expect(noJs.connect()).rejects.toMatchObject({ code: 'bus-unreachable', message: expect.stringContaining('-js') });
    const nobody = createNatsBus('nats://127.0.0.1:1', { clientId: 'nobody', connectTimeoutMs: 1_000 });
    await expect(nobody.connect()).rejects.toMatchObject({ code: 'bus-unreachable' });
  });

  it('an observer reads the retained values, is refused any publish and creates no bucket', async () => {
    const pub = await bus();
    await pub.publish('observed/state/a', Buffer.from('A'), { retain: true });
    const fresh = await startNatsServer();
    try {
      const observer = createNatsBus(fresh.url, { clientId: 'observer', observer: true, keepaliveSeconds: 1 });
      await observer.connect();
      await observer.subscribe('observed/state/+');
      await expect(observer.publish('observed/state/a', Buffer.from('x'), { retain: true })).rejects.toMatchObject({ code: 'bus-refused' });
      await observer.close();
      // On a server nobody else used: the observer made no bucket (it wrote nothing, not even liveness).
      const nc = await connect({ servers: fresh.url.replace('nats://', '') });
      const buckets: string[] = [];
      for await (const status of new Kvm(nc).list()) buckets.push(status.bucket);
      await nc.close();
      expect(buckets).toEqual([]);
    } finally {
      await fresh.stop();
    }
    const observer = createNatsBus(server.url, { clientId: 'observer-2', observer: true });
    open.push(observer);
    await observer.connect();
    const seen = collect(observer);
    await observer.subscribe('observed/state/+');
    expect(seen.map((m) => [m.topic, m.payload.toString(), m.retained])).toEqual([['observed/state/a', 'A', true]]);
  });

  it('a bucket deleted under running services comes back at the next retained publish, and a late joiner reads it', async () => {
    // The services' own subscriptions to the bucket's subjects still take the message, so the
    // publish gets no acknowledgement (a timeout, not "no responders"): the retry makes the bucket again.
    const pub = await bus();
    const live = await bus();
    await live.subscribe('gone/state/+');
    await pub.publish('gone/state/a', Buffer.from('A1'), { retain: true });
    const nc = await connect({ servers: server.url.replace('nats://', '') });
    try {
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const jsm = await jetstreamManager(nc);
      const streams: string[] = [];
      for await (const info of jsm.streams.list()) streams.push(info.config.name);
      const stream = streams.find((name) => name.startsWith('KV_') && name.includes('gone'));
      expect(stream, streams.join(', ')).toBeDefined();
      await jsm.streams.delete(stream!);
    } finally {
      await nc.close();
    }
    await pub.publish('gone/state/a', Buffer.from('A2'), { retain: true });
    const late = await bus();
    const got = collect(late);
    await late.subscribe('gone/state/+');
    expect(got.map((m) => [m.topic, m.payload.toString(), m.retained])).toEqual([['gone/state/a', 'A2', true]]);
  });

  it('never repeats the password in a connection error', async () => {
    const b = createNatsBus('nats://me:hunter2@127.0.0.1:1', { clientId: 'pw', connectTimeoutMs: 1_000 });
    const error = (await b.connect().then(() => new Error('connected'), (e: unknown) => e)) as Error;
    expect(error.message).not.toContain('hunter2');
  });
});
