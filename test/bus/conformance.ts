/**
 * The bus conformance suite: what PROTOCOL.md needs from any bus. Every adapter and broker
 * runs this same suite (see conformance.test.ts); a new adapter is accepted when it passes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bus, BusEvent, BusMessage, BusOptions } from '../../src/bus/bus.js';
import { spawnWillChild } from '../support/brokers.js';

export interface BusTarget {
  /** Creates a bus on this target (not connected yet). */
  createBus(options: BusOptions): Bus;
  /** Restarts the server (same address), losing what it does not persist. */
  restartServer(): Promise<void>;
  /** URL a separate process can use, for kill -9 tests; absent for in-process buses. */
  readonly url?: string;
  /** Keepalive to use for liveness (seconds); small so tests of crash detection are quick. */
  readonly keepaliveSeconds: number;
  /** The bus must honour `subscribe(…, { noLocal: true })` (MQTT 5); default false: it may ignore it. */
  readonly noLocal?: boolean;
  stop(): Promise<void>;
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function collect(bus: Bus): BusMessage[] {
  const got: BusMessage[] = [];
  bus.onMessage((m) => got.push(m));
  return got;
}

export function defineBusConformance(start: () => Promise<BusTarget>): void {
  let target: BusTarget;
  const open: Bus[] = [];
  const run = randomBytes(3).toString('hex');
  let counter = 0;
  /** A topic prefix of its own for each test, so tests never see each other's messages. */
  const prefix = (): string => `conf-${run}/${counter++}`;
  const bus = (options: Partial<BusOptions> = {}): Bus => {
    const b = target.createBus({
      clientId: `conf-${run}-${counter++}`,
      keepaliveSeconds: target.keepaliveSeconds,
      reconnectPeriodMs: 100,
      ...options,
    });
    open.push(b);
    return b;
  };
  const connected = async (options: Partial<BusOptions> = {}): Promise<Bus> => {
    const b = bus(options);
    await b.connect();
    return b;
  };

  beforeAll(async () => {
    target = await start();
  });
  afterAll(async () => {
    await Promise.all(open.map((b) => b.close().catch(() => {})));
    await target?.stop();
  });

  it('delivers retained state to a late joiner, flagged retained; live updates are not', async () => {
    const p = prefix();
    const pub = await connected();
    await pub.publish(`${p}/state/a`, Buffer.from('A1'), { retain: true });
    await pub.publish(`${p}/state/b`, Buffer.from('B1'), { retain: true });
    const sub = await connected();
    const got = collect(sub);
    await sub.subscribe(`${p}/state/+`);
    await until(() => got.length === 2, 'two retained messages');
    expect(got.every((m) => m.retained)).toBe(true);
    expect(Object.fromEntries(got.map((m) => [m.topic, m.payload.toString()]))).toEqual({ [`${p}/state/a`]: 'A1', [`${p}/state/b`]: 'B1' });
    await pub.publish(`${p}/state/a`, Buffer.from('A2'), { retain: true });
    await until(() => got.length === 3, 'the live update');
    expect(got[2]).toMatchObject({ topic: `${p}/state/a`, retained: false });
    expect(got[2]!.payload.toString()).toBe('A2');
  });

  it('keeps only the latest retained message per topic', async () => {
    const p = prefix();
    const pub = await connected();
    for (const v of ['1', '2', '3']) await pub.publish(`${p}/t`, Buffer.from(v), { retain: true });
    const sub = await connected();
    const got = collect(sub);
    await sub.subscribe(`${p}/#`);
    await until(() => got.length >= 1, 'the retained message');
    await sleep(100);
    expect(got.map((m) => m.payload.toString())).toEqual(['3']);
  });

  it('matches + (one level) and # (the rest, parent included)', async () => {
    const p = prefix();
    const sub = await connected();
    const got = collect(sub);
    await sub.subscribe(`${p}/+/x`);
    await sub.subscribe(`${p}/a/#`);
    const pub = await connected();
    const topics = [`${p}/a/x`, `${p}/b/x`, `${p}/b/x/deep`, `${p}/a/y/z`, `${p}/a`, `${p}/c/y`, `${p}x/a/x`];
    for (const t of topics) await pub.publish(t, Buffer.from(t), { retain: false });
    await pub.publish(`${p}/end/x`, Buffer.from('end'), { retain: false });
    await until(() => got.some((m) => m.topic === `${p}/end/x`), 'the end marker');
    const seen = got.map((m) => m.topic).sort();
    // A topic matching both patterns may arrive once or twice (MQTT allows either); the set matters.
    expect([...new Set(seen)]).toEqual([`${p}/a`, `${p}/a/x`, `${p}/a/y/z`, `${p}/b/x`, `${p}/end/x`].sort());
  });

  it('keeps the order of 500 messages from one publisher', async () => {
    const p = prefix();
    const sub = await connected();
    const got = collect(sub);
    await sub.subscribe(`${p}/#`);
    const pub = await connected();
    // Not awaited one by one: ordering must hold for pipelined publishes too.
    await Promise.all(
      Array.from({ length: 500 }, (_, i) => pub.publish(`${p}/${i % 3 === 0 ? 'a' : 'b'}`, Buffer.from(String(i)), { retain: i % 2 === 0 })),
    );
    await until(() => got.length >= 500, '500 messages');
    expect(got.map((m) => Number(m.payload.toString()))).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('noLocal: honoured, a connection does not get its own messages back but gets everyone else\'s; otherwise ignored', async () => {
    const p = prefix();
    const self = await connected();
    expect(self.honoursNoLocal === true).toBe(target.noLocal === true);
    const other = await connected();
    const got = collect(self);
    await self.subscribe(`${p}/state/+`, { noLocal: true });
    await self.subscribe(`${p}/marker`);
    await self.publish(`${p}/state/own`, Buffer.from('mine'), { retain: false });
    // One publisher's messages arrive in order: once its marker is here, its own state message would have been too.
    await self.publish(`${p}/marker`, Buffer.from('end'), { retain: false });
    await other.publish(`${p}/state/peer`, Buffer.from('theirs'), { retain: false });
    await until(() => got.some((m) => m.topic === `${p}/marker`) && got.some((m) => m.topic === `${p}/state/peer`), 'the marker and the other client\'s message');
    const own = got.filter((m) => m.topic === `${p}/state/own`);
    expect(own).toHaveLength(target.noLocal === true ? 0 : 1);
    expect(got.find((m) => m.topic === `${p}/state/peer`)!.payload.toString()).toBe('theirs');
  });

  it('subscribe-then-read: a joiner during a stream of updates misses none after its first and sees none live twice', async () => {
    const p = prefix();
    const topic = `${p}/state/counter`;
    const pub = await connected();
    const total = 300;
    let sent = 0;
    const publishing = (async () => {
      while (sent < total) {
        sent++;
        await pub.publish(topic, Buffer.from(String(sent)), { retain: true });
        if (sent % 10 === 0) await sleep(1);
      }
    })();
    await until(() => sent >= 50, 'the stream to start');
    const sub = await connected();
    const got = collect(sub);
    await sub.subscribe(`${p}/state/+`);
    await publishing;
    await until(() => got.some((m) => m.payload.toString() === String(total)), 'the last update');
    await sleep(50);
    const live = got.filter((m) => !m.retained).map((m) => Number(m.payload.toString()));
    expect(new Set(live).size).toBe(live.length);
    // Apply with the (epoch, seq) rule, as the runtime does: greater than the last applied.
    const applied: number[] = [];
    for (const m of got) {
      const v = Number(m.payload.toString());
      if (applied.length === 0 || v > applied[applied.length - 1]!) applied.push(v);
    }
    const first = applied[0]!;
    expect(applied).toEqual(Array.from({ length: total - first + 1 }, (_, i) => first + i));
  });

  it('carries payloads up to 1 MiB intact, retained and live', async () => {
    const p = prefix();
    const big = randomBytes(1024 * 1024);
    const pub = await connected();
    await pub.publish(`${p}/big`, big, { retain: true });
    const sub = await connected();
    const got = collect(sub);
    await sub.subscribe(`${p}/#`);
    await until(() => got.length === 1, 'the retained 1 MiB message');
    expect(got[0]!.payload.equals(big)).toBe(true);
    const big2 = randomBytes(1024 * 1024);
    await pub.publish(`${p}/big`, big2, { retain: false });
    await until(() => got.length === 2, 'the live 1 MiB message');
    expect(got[1]!.payload.equals(big2)).toBe(true);
  });

  it('delivers 1,000 retained topics to a late joiner, each once', async () => {
    const p = prefix();
    const pub = await connected();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => pub.publish(`${p}/state/d${i}`, Buffer.from(`v${i}`), { retain: true })));
    const sub = await connected();
    const got = collect(sub);
    await sub.subscribe(`${p}/state/+`);
    await until(() => got.length >= 1000, '1,000 retained messages');
    await sleep(100);
    expect(got).toHaveLength(1000);
    const byTopic = new Map(got.map((m) => [m.topic, m.payload.toString()]));
    expect(byTopic.size).toBe(1000);
    expect(byTopic.get(`${p}/state/d999`)).toBe('v999');
  });

  it('fires the will (retained) on an abrupt close, not on a clean close', async () => {
    const p = prefix();
    const watcher = await connected();
    const got = collect(watcher);
    await watcher.subscribe(`${p}/status/+`);
    const clean = await connected({ will: { topic: `${p}/status/clean`, payload: Buffer.from('offline') } });
    await clean.publish(`${p}/status/clean`, Buffer.from('online'), { retain: true });
    const crash = await connected({ will: { topic: `${p}/status/crash`, payload: Buffer.from('offline') } });
    await crash.publish(`${p}/status/crash`, Buffer.from('online'), { retain: true });
    await until(() => got.length === 2, 'both online messages');
    await clean.close();
    await crash.close({ abrupt: true });
    await until(() => got.some((m) => m.topic === `${p}/status/crash` && m.payload.toString() === 'offline'), 'the will');
    // Longer than any emulation's detection bound: a clean close must never fire its will.
    await sleep(target.keepaliveSeconds * 1000 + 500);
    expect(got.filter((m) => m.payload.toString() === 'offline').map((m) => m.topic)).toEqual([`${p}/status/crash`]);
    const late = await connected();
    const retained = collect(late);
    await late.subscribe(`${p}/status/+`);
    await until(() => retained.length === 2, 'retained statuses');
    expect(Object.fromEntries(retained.map((m) => [m.topic, m.payload.toString()]))).toEqual({
      [`${p}/status/clean`]: 'online',
      [`${p}/status/crash`]: 'offline',
    });
  });

  it('fires the will when a real process is killed with SIGKILL', async (ctx) => {
    if (!target.url) ctx.skip();
    const p = prefix();
    const watcher = await connected();
    const got = collect(watcher);
    await watcher.subscribe(`${p}/status/+`);
    const child = await spawnWillChild({
      url: target.url!,
      clientId: `conf-${run}-child-${counter++}`,
      willTopic: `${p}/status/child`,
      willPayload: 'offline',
      keepaliveSeconds: target.keepaliveSeconds,
    });
    await until(() => got.some((m) => m.payload.toString() === 'online'), 'the child online');
    await child.kill();
    await until(() => got.some((m) => m.topic === `${p}/status/child` && m.payload.toString() === 'offline'), 'the will of the killed child');
  });

  it('publishes made across a server restart resolve, and the latest one reaches a subscriber', async () => {
    const p = prefix();
    const topic = `${p}/state/x`;
    const sub = await connected();
    const got = collect(sub);
    await sub.subscribe(`${p}/state/+`);
    const pub = await connected();
    const publishes: Promise<void>[] = [];
    let value = 0;
    const restarting = target.restartServer();
    while (value < 40) {
      value++;
      publishes.push(pub.publish(topic, Buffer.from(String(value)), { retain: true }));
      await sleep(5);
    }
    await restarting;
    await Promise.all(publishes);
    // The outage may lose live messages (Redis pub/sub and core NATS are at most once, and a
    // subscriber may resubscribe after some are sent) but never the latest state, and never
    // reorder what it delivers live. A retained re-read after a reconnect may hand back an older
    // state than one already delivered live (the store caught up later): receivers order those by
    // (epoch, seq), PROTOCOL.md. So everything is kept in arrival order, with its flag, and the
    // live messages alone must be in order.
    const received: { value: number; retained: boolean }[] = [];
    const drain = (): void => {
      for (const m of got.splice(0)) received.push({ value: Number(m.payload.toString()), retained: m.retained });
    };
    await until(() => {
      drain();
      return received.some((r) => r.value === value);
    }, 'the latest value after the restart');
    await sleep(200);
    drain();
    const values = received.map((r) => r.value);
    const shown = received.map((r) => `${r.value}${r.retained ? 'r' : ''}`).join(',');
    expect(values.every((v) => Number.isInteger(v) && v >= 1 && v <= value), `only published values: ${shown}`).toBe(true);
    const live = received.filter((r) => !r.retained).map((r) => r.value);
    const reordered = live.findIndex((v, i) => i > 0 && v < live[i - 1]!);
    expect(reordered, `live messages never reordered: ${shown}`).toBe(-1);
    expect(values.at(-1), `the latest value is the last one received: ${shown}`).toBe(value);
  });

  it('reconnects after a server restart: disconnect, then connect (reconnect), subscriptions restored', async () => {
    const p = prefix();
    const sub = await connected();
    const events: BusEvent['type'][] = [];
    let reconnected = false;
    sub.onEvent((e) => {
      events.push(e.type);
      if (e.type === 'connect' && e.reconnect) reconnected = true;
    });
    const got = collect(sub);
    await sub.subscribe(`${p}/#`);
    await target.restartServer();
    await until(() => reconnected, 'the reconnect event');
    expect(events.filter((t) => t !== 'error').slice(0, 2)).toEqual(['disconnect', 'connect']);
    const pub = await connected();
    // The resubscription may still be in flight right after the connect event: publish until seen.
    const deadline = Date.now() + 15_000;
    while (!got.some((m) => m.topic === `${p}/after`)) {
      if (Date.now() > deadline) throw new Error('no message arrived after the restart');
      await pub.publish(`${p}/after`, Buffer.from('x'), { retain: false });
      await sleep(100);
    }
  });
}
