/**
 * The reference system, unchanged, on Redis by changing only the URL: it converges, a
 * kill -9 of one service's process is seen as `offline` once its liveness key expires
 * (keepalive), and redis-cli finds the keys PROTOCOL.md's Redis mapping describes.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { describeIfBinary, startRedis, type ExternalBroker } from '../support/brokers.js';
import { DOMAINS, REFERENCE, SERVICES, killAndWaitOffline, startRun, waitForConvergence, type RunningSystem } from './run-system.js';
import { expectProtocolMessages, redisCli } from './watch.js';


let running: RunningSystem | undefined;
afterEach(() => {
  running?.kill();
  running = undefined;
});

let redis: ExternalBroker | undefined;
afterAll(async () => {
  await redis?.stop();
});

const KEEPALIVE_S = 2;

describeIfBinary('redis-server', 'chinook run --broker redis://… (the reference system on Redis)', () => {
  it('converges; state and status are keys; kill -9 of presence-service: offline within the keepalive bound, dependents react', async () => {
    redis = await startRedis();
    const system = (running = startRun(['--broker', redis.url, '--keepalive', String(KEEPALIVE_S)]));
    await waitForConvergence(system);
    expect(system.lines[0]).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d bus ${redis.url} \\(watch it with: redis-cli -h 127\\.0\\.0\\.1 -p ${redis.port} PSUBSCRIBE 'chinook/home/\\*'\\)$`));

    // Retained = a key per topic, holding the latest envelope or status, readable by anyone.
    const keys = (await redisCli(redis.port, ['--scan', '--pattern', `${REFERENCE.prefix}/*`])).split('\n').filter(Boolean).sort();
    expect(keys).toEqual([...DOMAINS.map((d) => REFERENCE.domains[d]!.topic), ...SERVICES.map((s) => REFERENCE.services[s]!.status)].sort());
    const values = await Promise.all(keys.map(async (topic) => ({ topic, retained: true, payload: (await redisCli(redis!.port, ['GET', topic])).trimEnd() })));
    const { statuses } = expectProtocolMessages(values);
    for (const service of SERVICES) expect(statuses.get(service)?.[0]?.['status'], service).toBe('online');
    // Liveness: one alive key per service connection, expiring after the keepalive unless refreshed.
    const alive = (await redisCli(redis.port, ['--scan', '--pattern', '$chinook/alive/*'])).split('\n').filter(Boolean);
    for (const service of SERVICES) expect(alive.some((k) => k.startsWith(`$chinook/alive/${service}-`)), `alive key of ${service}`).toBe(true);
    const ttl = Number(await redisCli(redis.port, ['PTTL', alive.find((k) => k.startsWith('$chinook/alive/presence-service-'))!]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(KEEPALIVE_S * 1000);

    const victim = 'presence-service';
    // The bound: keepalive + Redis's expiry lag (docs/buses.md); generous slack for a loaded machine.
    const detectedMs = await killAndWaitOffline(system, victim, 'presence', KEEPALIVE_S * 1000 + 15_000);
    console.info(`redis: kill -9 of ${victim} seen offline after ${detectedMs} ms (keepalive ${KEEPALIVE_S} s)`);
    expect(system.ended(victim)).toBe('killed by SIGKILL');
    // The will fired once: the status key now says offline, with the instance's epoch.
    const status = JSON.parse(await redisCli(redis.port, ['GET', REFERENCE.services[victim]!.status])) as Record<string, unknown>;
    expect(status).toMatchObject({ service: victim, status: 'offline', epoch: statuses.get(victim)![0]!['epoch'] });
    for (const service of SERVICES.filter((s) => s !== victim)) expect(system.status(service), service).toBe('online');

    system.child.kill('SIGINT');
    // The others stop cleanly, but a service it ran was killed: the run's exit says so (CLI.md).
    expect((await system.exit).code).toBe(1);
    expect(system.stderr()).toContain(`chinook run: 1 of ${SERVICES.length} services failed: ${victim} killed by SIGKILL`);
    for (const service of SERVICES.filter((s) => s !== victim)) expect(system.ended(service), service).toBe('stopped');
    // A clean stop removes its liveness and will keys: nothing is left to fire.
    expect((await redisCli(redis.port, ['--scan', '--pattern', '$chinook/*'])).trim()).toBe('');
  }, 240_000);
});
