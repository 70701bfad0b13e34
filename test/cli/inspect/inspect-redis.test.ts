/**
 * On Redis, the inspector connects without a will: it leaves no liveness keys
 * (`$chinook/alive/…`, `$chinook/will/…`) and writes no state or status, while it sees
 * what the services publish and a crashed service's will.
 */
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { system, type Power } from '../../../generated/index.js';
import { createBus } from '../../../src/bus/create-bus.js';
import { createObserverBus } from '../../../src/cli/inspect/observer-bus.js';
import { graphFromSystem } from '../../../src/cli/inspect/system-graph.js';
import { startInspectServer, type InspectServer } from '../../../src/cli/inspect/inspect-server.js';
import { describeIfBinary, startRedis, type ExternalBroker } from '../../support/brokers.js';
import { eventually } from './server-harness.js';

let broker: ExternalBroker | undefined;
let server: InspectServer | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await server?.close();
  for (const close of closers) await close().catch(() => undefined);
  await broker?.stop();
});

const power: Power = { gridImportW: 1, solarW: 0, battery: { percent: 50, charging: false }, meters: [] };

describeIfBinary('redis-server', 'chinook inspect on Redis', () => {
  it('leaves no keys of its own, sees state and a crashed service\'s will', async () => {
    broker = await startRedis();
    const redis = new Redis(broker.url);
    closers.push(() => redis.quit());
    const spec = system.services['energy-service'];
    const status = (s: string): Buffer => Buffer.from(JSON.stringify({ protocol: 'chinook/1', service: 'energy-service', status: s, epoch: 1, time: new Date().toISOString() }));
    // A stand-in for the service: a will, `online`, one state.
    const service = createBus(broker.url, { clientId: 'energy-1', keepaliveSeconds: 1, will: { topic: spec.statusTopic, payload: status('offline') } });
    await service.connect();
    await service.publish(spec.statusTopic, status('online'), { retain: true });
    const d = system.domains.power;
    const envelope = { protocol: 'chinook/1', domain: 'power', owner: d.owner, version: d.version, epoch: 1, seq: 1, time: new Date().toISOString(), state: power };
    await service.publish(d.topic, Buffer.from(JSON.stringify(envelope)), { retain: true });
    const keysBefore = (await redis.keys('*')).sort();

    const bus = createObserverBus(broker.url);
    closers.push(() => bus.close());
    await bus.connect();
    server = await startInspectServer({ bus, system, graph: graphFromSystem(system), port: 0 });
    const get = async (path: string): Promise<any> => (await fetch(new URL(path, server!.url))).json();
    await eventually('power seen', async () => (await get('/api/state/power')).seq === 1);
    expect((await get('/api/services')).services['energy-service'].status).toBe('online');
    // Several liveness periods later: still only the service's keys.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await redis.keys('*')).sort()).toEqual(keysBefore);
    expect(keysBefore).toContain('$chinook/alive/energy-1');
    expect(await redis.keys('$chinook/*inspect*')).toEqual([]);

    // The service dies without a goodbye: its will fires (any Redis client of the bus may be the one
    // that fires it), and the inspector shows it offline, its domains stale.
    await service.close({ abrupt: true });
    await eventually('offline', async () => (await get('/api/services')).services['energy-service'].status === 'offline', 20_000);
    expect((await get('/api/state/power')).availability).toBe('stale');
  }, 60_000);
});
