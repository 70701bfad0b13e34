/**
 * Issue 12, fault 2: after a Redis restart (no persistence: the server forgets CONFIG SET),
 * a killed service must still be marked offline. The adapter re-enables expiry events on
 * every reconnect and reads the setting back; when it cannot, it sweeps.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bus, BusMessage } from '../../src/bus/bus.js';
import { createRedisBus } from '../../src/bus/redis.js';
import { describeIfBinary, spawnWillChild, startRedis, type ExternalBroker } from '../support/brokers.js';

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const KEEPALIVE_S = 1;

describeIfBinary('redis-server', 'Redis adapter: liveness survives a server restart', () => {
  let server: ExternalBroker;
  let probe: Redis;
  const open: Bus[] = [];
  beforeAll(async () => {
    // Starts with expiry events off: only the adapters' CONFIG SET turns them on, and a restart forgets it.
    server = await startRedis(['--notify-keyspace-events', '']);
    probe = new Redis(server.url, { lazyConnect: true, retryStrategy: () => 100, maxRetriesPerRequest: null });
    await probe.connect();
  });
  afterAll(async () => {
    await Promise.all(open.map((b) => b.close()));
    probe?.disconnect();
    await server?.stop();
  });

  it('marks a service killed after the restart offline within keepalive + expiry lag', async () => {
    const watcher = createRedisBus(server.url, { clientId: 'restart-watcher', keepaliveSeconds: KEEPALIVE_S, reconnectPeriodMs: 100 });
    open.push(watcher);
    let reconnected = false;
    watcher.onEvent((e) => (reconnected ||= e.type === 'connect' && e.reconnect));
    await watcher.connect();
    const got: BusMessage[] = [];
    watcher.onMessage((m) => got.push(m));
    await watcher.subscribe('restart/status/+');
    const child = await spawnWillChild({
      url: server.url,
      clientId: 'restart-victim',
      willTopic: 'restart/status/victim',
      willPayload: 'offline',
      keepaliveSeconds: KEEPALIVE_S,
    });
    expect(await probe.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'xE']);

    // The restarted server starts with expiry events off again (same `--notify-keyspace-events ''`).
    // Not asserted by reading it back: the clients may reconnect and turn them on before the probe does.
    await server.restart();
    // Both clients are back: the watcher said so, and the victim's alive key exists again.
    await until(async () => reconnected && (await probe.exists('$chinook/alive/restart-victim')) === 1, 'both clients reconnected');
    await until(async () => ((await probe.config('GET', 'notify-keyspace-events')) as string[])[1] !== '', 'expiry events re-enabled');

    await child.kill();
    const killedAt = Date.now();
    await until(() => got.some((m) => m.topic === 'restart/status/victim' && m.payload.toString() === 'offline'), 'the will after the restart', 10_000);
    const detectedMs = Date.now() - killedAt;
    // The documented bound: keepalive + Redis's expiry lag (~100 ms); 1.5 s of slack for a loaded machine.
    expect(detectedMs).toBeLessThan(KEEPALIVE_S * 1000 + 1_500);
  });
});
