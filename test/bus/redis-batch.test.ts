/**
 * The Redis adapter's batched subscribe-then-read: subscriptions asked for in one tick share
 * one PSUBSCRIBE and one SCAN over a covering glob. Each retained key is delivered once, only
 * to patterns that match it, and nothing published after a subscribe resolves is missed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusMessage } from '../../src/bus/bus.js';
import { createRedisBus, toCoveringGlob } from '../../src/bus/redis.js';
import { matchesTopic } from '../../src/bus/bus.js';
import { describeIfBinary, startRedis, type ExternalBroker } from '../support/brokers.js';

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('toCoveringGlob', () => {
  it.each([
    [['p/state/+', 'p/status/+'], 'p/stat*'],
    [['a/#'], 'a*'],
    [['a/#', 'a/b/+'], 'a*'],
    [['a/+/c', 'b/+'], '*'],
    [['+/x', 'a/x'], '*'],
    [['we*ird/+', 'we*ird/#'], 'we\\*ird*'],
  ])('%j → %s', (patterns, glob) => {
    expect(toCoveringGlob(patterns)).toBe(glob);
  });

  it('covers every topic any of its patterns matches', () => {
    const cases: [string[], string[]][] = [
      [['a/#', 'a/b/+'], ['a', 'a/b', 'a/b/c', 'a/x/y/z']],
      [['p/state/+', 'p/status/+'], ['p/state/x', 'p/status/y']],
      [['+/x', 'q/#'], ['z/x', 'q', 'q/r']],
    ];
    for (const [patterns, topics] of cases) {
      const glob = toCoveringGlob(patterns);
      // The globs built here only use a trailing `*` after escaped literals.
      const prefix = glob.slice(0, -1).replace(/\\(.)/g, '$1');
      for (const topic of topics) {
        expect(patterns.some((p) => matchesTopic(p, topic))).toBe(true);
        expect(topic.startsWith(prefix)).toBe(true);
      }
    }
  });
});

describeIfBinary('redis-server', 'Redis adapter: batched subscribe-then-read', () => {
  let server: ExternalBroker;
  const open: Bus[] = [];
  let n = 0;
  const bus = (): Bus => {
    const b = createRedisBus(server.url, { clientId: `redis-batch-${n++}`, keepaliveSeconds: 1, reconnectPeriodMs: 100 });
    open.push(b);
    return b;
  };
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(open.map((b) => b.close()));
    await server?.stop();
  });

  it('reads the keys of patterns subscribed together, each once, only where a pattern matches', async () => {
    const pub = bus();
    await pub.connect();
    const retained = ['bt/state/a', 'bt/state/b', 'bt/status/s', 'bt/stateful/x', 'bt/state/a/deep', 'bt/other/z'];
    for (const topic of retained) await pub.publish(topic, Buffer.from(`v:${topic}`), { retain: true });

    const sub = bus();
    await sub.connect();
    const got: BusMessage[] = [];
    sub.onMessage((m) => got.push(m));
    await Promise.all([sub.subscribe('bt/state/+'), sub.subscribe('bt/status/+'), sub.subscribe('bt/state/#')]);

    const topics = got.map((m) => m.topic).sort();
    expect(topics).toEqual(['bt/state/a', 'bt/state/a/deep', 'bt/state/b', 'bt/status/s']);
    expect(got.every((m) => m.retained && m.payload.toString() === `v:${m.topic}`)).toBe(true);

    // Subscribed before the read: a later publish arrives live.
    await pub.publish('bt/status/t', Buffer.from('live'), { retain: true });
    await until(() => got.some((m) => m.topic === 'bt/status/t'), 'the live status');
    expect(got.filter((m) => m.topic === 'bt/status/t')).toEqual([{ topic: 'bt/status/t', payload: Buffer.from('live'), retained: false }]);
  });

  it('reads more keys than one MGET batch', async () => {
    const pub = bus();
    await pub.connect();
    const count = 2_500;
    await Promise.all(Array.from({ length: count }, (_, i) => pub.publish(`many/state/d${i}`, Buffer.from(String(i)), { retain: true })));
    const sub = bus();
    await sub.connect();
    const got = new Map<string, string>();
    sub.onMessage((m) => got.set(m.topic, m.payload.toString()));
    await Promise.all([sub.subscribe('many/state/+'), sub.subscribe('many/status/+')]);
    expect(got.size).toBe(count);
    expect(got.get('many/state/d2499')).toBe('2499');
  });

  it('a subscribe asked for later still reads its own keys', async () => {
    const pub = bus();
    await pub.connect();
    await pub.publish('late/a/1', Buffer.from('1'), { retain: true });
    await pub.publish('late/b/1', Buffer.from('2'), { retain: true });
    const sub = bus();
    await sub.connect();
    const got: string[] = [];
    sub.onMessage((m) => got.push(m.topic));
    await sub.subscribe('late/a/+');
    expect(got).toEqual(['late/a/1']);
    await sub.subscribe('late/b/+');
    expect(got).toEqual(['late/a/1', 'late/b/1']);
  });
});
