/**
 * Issue 16: the reference system on a three-node NATS cluster (routes, JetStream, buckets
 * with 3 replicas), every service given the list of all three servers (each client picks one
 * at random and fails over to the others). kill -9 of the node holding the most services:
 * every service reconnects to a surviving node, no state is lost, a late joiner started then
 * gets the whole state; the node restarted catches up.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Bus, BusMessage } from '../../src/bus/bus.js';
import { createNatsBus } from '../../src/bus/nats.js';
import { describeIfBinary, startNatsCluster, type NatsCluster } from '../support/brokers.js';
import { DOMAINS, REFERENCE, SERVICES, startRun, waitForConvergence, type RunningSystem } from './run-system.js';

let running: RunningSystem | undefined;
let cluster: NatsCluster | undefined;
const open: Bus[] = [];
afterEach(() => {
  running?.kill();
  running = undefined;
});
afterAll(async () => {
  await Promise.all(open.map((b) => b.close().catch(() => {})));
  await cluster?.stop();
});

const STATE_STREAM = `KV_${REFERENCE.prefix.split('/').join('_')}_state`;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** (epoch, seq) of an envelope, as one comparable number pair. */
const order = (payload: Buffer): [number, number] => {
  const envelope = JSON.parse(payload.toString()) as { epoch: number; seq: number };
  return [envelope.epoch, envelope.seq];
};
const newer = (a: [number, number], b: [number, number]): boolean => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/** A bus on `url` that keeps the newest envelope seen per domain. */
async function stateWatcher(url: string, clientId: string): Promise<Map<string, [number, number]>> {
  const bus = createNatsBus(url, { clientId, reconnectPeriodMs: 200 });
  open.push(bus);
  const latest = new Map<string, [number, number]>();
  bus.onMessage((m: BusMessage) => {
    const domain = m.topic.slice(`${REFERENCE.prefix}/state/`.length);
    const seen = order(m.payload);
    if (!latest.has(domain) || newer(seen, latest.get(domain)!)) latest.set(domain, seen);
  });
  await bus.connect();
  await bus.subscribe(`${REFERENCE.prefix}/state/+`);
  return latest;
}

/** Which node each service's connection is on (its client name starts with the service's name). */
async function servicesByNode(c: NatsCluster, nodes: readonly number[]): Promise<Map<string, number>> {
  const where = new Map<string, number>();
  for (const i of nodes) {
    const connz = (await c.monitor(i, 'connz')) as { connections?: { name?: string }[] };
    for (const connection of connz.connections ?? []) {
      const service = SERVICES.find((s) => connection.name?.startsWith(`${s}-`));
      if (service) where.set(service, i);
    }
  }
  return where;
}

interface StreamDetail {
  readonly name: string;
  readonly state: { readonly last_seq: number };
}
async function stateStream(c: NatsCluster, node: number): Promise<StreamDetail | undefined> {
  const jsz = (await c.monitor(node, 'jsz?accounts=true&streams=true')) as { account_details?: { stream_detail?: StreamDetail[] }[] };
  return jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === STATE_STREAM);
}

describeIfBinary('nats-server', 'the reference system on a three-node NATS cluster', () => {
  it('survives kill -9 of a node: services fail over, nothing is lost, a late joiner gets everything, the node catches up', async () => {
    cluster = await startNatsCluster(3);
    await cluster.waitForJetStream();
    const c = cluster;
    const system = (running = startRun(['--broker', `${c.url}?replicas=3`, '--keepalive', '5']));
    await waitForConvergence(system);
    const before = await servicesByNode(c, [0, 1, 2]);
    expect([...before.keys()].sort()).toEqual(SERVICES);
    const perNode = [0, 1, 2].map((i) => SERVICES.filter((s) => before.get(s) === i));
    console.info(`nats cluster: services per node before the kill: ${perNode.map((s, i) => `n${i + 1}=[${s.join(', ')}]`).join(' ')}`);
    const victim = perNode.reduce((best, s, i) => (s.length > perNode[best]!.length ? i : best), 0);
    const survivors = [0, 1, 2].filter((i) => i !== victim);
    const survivorUrl = (i: number): string => `nats://${c.nodes[i]!.host}:${c.nodes[i]!.port}?replicas=3`;
    // Watches from a node that stays up: the newest state every owner published, before and after the kill.
    const watched = await stateWatcher(survivorUrl(survivors[0]!), 'cluster-watcher');
    await until(() => watched.size === DOMAINS.length, 'the watcher to see every domain');

    const killedAt = Date.now();
    await c.nodes[victim]!.kill();
    // Every service reconnects to a surviving node.
    await until(async () => (await servicesByNode(c, survivors)).size === SERVICES.length, 'every service on a surviving node', 45_000);
    const failoverMs = Date.now() - killedAt;
    await system.waitUntil('every service online after the failover', () => SERVICES.every((s) => system.status(s) === 'online'), 45_000);

    // Nothing lost: a late joiner, started now on the other surviving node, gets every domain,
    // each at least as new as the newest the watcher had seen when it started.
    const seenBefore = new Map(watched);
    const late = await stateWatcher(survivorUrl(survivors[1]!), 'cluster-late-joiner');
    expect([...late.keys()].sort()).toEqual(DOMAINS);
    for (const domain of DOMAINS) expect(newer(seenBefore.get(domain)!, late.get(domain)!), `${domain}: late joiner has the newest state`).toBe(false);

    // The restarted node catches up: its replica of the state bucket reaches the others' last sequence.
    await c.nodes[victim]!.restart();
    const target = (await stateStream(c, survivors[0]!))!.state.last_seq;
    await until(async () => ((await stateStream(c, victim).catch(() => undefined))?.state.last_seq ?? 0) >= target, `node ${victim + 1} to catch up to sequence ${target}`, 45_000);
    console.info(`nats cluster: kill -9 of n${victim + 1}; every service on a surviving node after ${failoverMs} ms; n${victim + 1} caught up to seq ${target} after restart`);

    system.child.kill('SIGINT');
    expect((await system.exit).code).toBe(0);
  }, 180_000);
});
