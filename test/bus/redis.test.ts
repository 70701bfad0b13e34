import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusMessage } from '../../src/bus/bus.js';
import { createRedisBus, toRedisGlob } from '../../src/bus/redis.js';
import { describeIfBinary, startRedis, type ExternalBroker } from '../support/brokers.js';

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('toRedisGlob', () => {
  it.each([
    ['a/b', 'a/b'],
    ['a/+/c', 'a/*/c'],
    ['a/#', 'a*'],
    ['#', '*'],
    ['+/x', '*/x'],
    ['we*ird/[x]?', 'we\\*ird/\\[x\\]\\?'],
  ])('%s → %s', (pattern, glob) => {
    expect(toRedisGlob(pattern)).toBe(glob);
  });
});

describeIfBinary('redis-server', 'Redis adapter specifics', () => {
  let server: ExternalBroker;
  let noConfig: ExternalBroker;
  const open: Bus[] = [];
  let n = 0;
  const bus = (url: string, extra: Partial<Parameters<typeof createRedisBus>[1]> = {}): Bus => {
    const b = createRedisBus(url, { clientId: `redis-spec-${n++}`, keepaliveSeconds: 1, reconnectPeriodMs: 100, ...extra });
    open.push(b);
    return b;
  };
  beforeAll(async () => {
    // The second server forbids CONFIG (as managed Redis often does) and has notifications off.
    [server, noConfig] = await Promise.all([startRedis(), startRedis(['--rename-command', 'CONFIG', '', '--notify-keyspace-events', ''])]);
  });
  afterAll(async () => {
    await Promise.all(open.map((b) => b.close()));
    await Promise.all([server?.stop(), noConfig?.stop()]);
  });

  it('never shows its liveness keys to a # subscriber', async () => {
    const withWill = bus(server.url, { will: { topic: 'spec/status/x', payload: Buffer.from('offline') } });
    await withWill.connect();
    const sub = bus(server.url);
    await sub.connect();
    const got: BusMessage[] = [];
    sub.onMessage((m) => got.push(m));
    await sub.subscribe('#');
    await withWill.publish('spec/marker', Buffer.from('m'), { retain: true });
    await until(() => got.some((m) => m.topic === 'spec/marker'), 'the marker');
    expect(got.filter((m) => m.topic.startsWith('$'))).toEqual([]);
  });

  it('delivers a message matching two overlapping patterns once', async () => {
    const sub = bus(server.url);
    await sub.connect();
    const got: BusMessage[] = [];
    sub.onMessage((m) => got.push(m));
    await sub.subscribe('ov/+/x');
    await sub.subscribe('ov/#');
    const pub = bus(server.url);
    await pub.connect();
    await pub.publish('ov/a/x', Buffer.from('1'), { retain: false });
    await pub.publish('ov/end', Buffer.from('2'), { retain: false });
    await until(() => got.some((m) => m.topic === 'ov/end'), 'the end marker');
    expect(got.map((m) => m.topic)).toEqual(['ov/a/x', 'ov/end']);
  });

  it('fires the will by sweeping when keyspace notifications are not available', async () => {
    const watcher = bus(noConfig.url);
    await watcher.connect();
    const got: BusMessage[] = [];
    watcher.onMessage((m) => got.push(m));
    await watcher.subscribe('sweep/status/+');
    const crash = bus(noConfig.url, { will: { topic: 'sweep/status/crash', payload: Buffer.from('offline') } });
    await crash.connect();
    await crash.close({ abrupt: true });
    await until(() => got.some((m) => m.payload.toString() === 'offline'), 'the will via the sweep');
    expect(got.map((m) => m.topic)).toEqual(['sweep/status/crash']);
  });

  it('refuses bad credentials with bus-refused', async () => {
    const url = server.url.replace('redis://', 'redis://nobody:wrong@');
    const b = createRedisBus(url, { clientId: 'bad-auth', connectTimeoutMs: 3_000, reconnectPeriodMs: 100 });
    await expect(b.connect()).rejects.toMatchObject({ code: 'bus-refused' });
  });

  it('rejects with bus-unreachable when nothing listens', async () => {
    const b = createRedisBus('redis://127.0.0.1:1', { clientId: 'nobody', connectTimeoutMs: 2_000, reconnectPeriodMs: 100 });
    await expect(b.connect()).rejects.toMatchObject({ code: 'bus-unreachable' });
  });
});
