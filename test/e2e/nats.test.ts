/**
 * The reference system, unchanged, on NATS JetStream by changing only the URL: it converges,
 * the buckets and keys are the ones docs/protocol.md's "NATS JetStream mapping" names (read
 * here with the plain NATS client, as any third party would), and a kill -9 of one service's
 * process is seen as `offline` once its liveness key goes stale (keepalive + sweep period).
 */
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { afterAll, afterEach, expect, it } from 'vitest';
import { describeIfBinary, startNatsServer, type ExternalBroker } from '../support/brokers.js';
import { ROOT, runCli } from '../manifest/run-cli.js';
import { DOMAINS, REFERENCE, SERVICES, killAndWaitOffline, startRun, waitForConvergence, type RunningSystem } from './run-system.js';
import { expectProtocolMessages, type Seen } from './watch.js';


let running: RunningSystem | undefined;
afterEach(() => {
  running?.kill();
  running = undefined;
});

let nats: ExternalBroker | undefined;
afterAll(async () => {
  await nats?.stop();
});

const KEEPALIVE_S = 2;

/** Every live entry of a bucket, as `nats kv ls` + `nats kv get` would show it. */
async function readBucket(url: string, bucket: string): Promise<Map<string, string>> {
  const nc = await connect({ servers: url.replace('nats://', '') });
  try {
    const kv = await new Kvm(nc).open(bucket);
    const entries = new Map<string, string>();
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (entry && entry.operation === 'PUT') entries.set(key, entry.string());
    }
    return entries;
  } finally {
    await nc.close();
  }
}

describeIfBinary('nats-server', 'chinook run --broker nats://… (the reference system on NATS JetStream)', () => {
  it('converges; state and status are KV entries; kill -9 of presence-service: offline within the keepalive bound, dependents react', async () => {
    nats = await startNatsServer();
    const system = (running = startRun(['--broker', nats.url, '--keepalive', String(KEEPALIVE_S)]));
    await waitForConvergence(system);

    // Retained = an entry per topic: bucket chinook_home_state keyed by domain, chinook_home_status keyed by service.
    const prefixBucket = REFERENCE.prefix.split('/').join('_');
    const states = await readBucket(nats.url, `${prefixBucket}_state`);
    const statuses = await readBucket(nats.url, `${prefixBucket}_status`);
    expect([...states.keys()].sort()).toEqual(DOMAINS);
    expect([...statuses.keys()].sort()).toEqual(SERVICES);
    const seen: Seen[] = [
      ...[...states].map(([domain, payload]) => ({ topic: REFERENCE.domains[domain]!.topic, retained: true, payload })),
      ...[...statuses].map(([service, payload]) => ({ topic: REFERENCE.services[service]!.status, retained: true, payload })),
    ];
    const checked = expectProtocolMessages(seen);
    for (const service of SERVICES) expect(checked.statuses.get(service)?.[0]?.['status'], service).toBe('online');
    // Liveness: one entry per service connection in chinook-liveness, carrying its will.
    const liveness = await readBucket(nats.url, 'chinook-liveness');
    for (const service of SERVICES) expect([...liveness.keys()].some((k) => k.startsWith(`${service}-`)), `liveness entry of ${service}`).toBe(true);

    // chinook check-live reads the same buckets as a pure observer: every retained state accepted.
    const check = runCli(['check-live', '--broker', nats.url, '--timeout', '10000'], ROOT);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain(`every retained state (${DOMAINS.length}) would be accepted`);

    const victim = 'presence-service';
    // The bound: keepalive + a quarter keepalive (the sweep) + delivery (docs/buses.md); slack for a loaded machine.
    const detectedMs = await killAndWaitOffline(system, victim, 'presence', KEEPALIVE_S * 1000 + 15_000);
    console.info(`nats: kill -9 of ${victim} seen offline after ${detectedMs} ms (keepalive ${KEEPALIVE_S} s)`);
    expect(system.ended(victim)).toBe('killed by SIGKILL');
    // The will fired once: the status entry now says offline, with the instance's epoch.
    const after = JSON.parse((await readBucket(nats.url, `${prefixBucket}_status`)).get(victim)!) as Record<string, unknown>;
    expect(after).toMatchObject({ service: victim, status: 'offline', epoch: checked.statuses.get(victim)![0]!['epoch'] });
    for (const service of SERVICES.filter((s) => s !== victim)) expect(system.status(service), service).toBe('online');

    system.child.kill('SIGINT');
    // The others stop cleanly, but a service it ran was killed: the run's exit says so (CLI.md).
    expect((await system.exit).code).toBe(1);
    expect(system.stderr()).toContain(`chinook run: 1 of ${SERVICES.length} services failed: ${victim} killed by SIGKILL`);
    for (const service of SERVICES.filter((s) => s !== victim)) expect(system.ended(service), service).toBe('stopped');
    // A clean stop deletes its liveness entries: nothing is left to fire.
    expect([...(await readBucket(nats.url, 'chinook-liveness')).keys()]).toEqual([]);
  }, 90_000);
});
