/**
 * The chaos scenarios. Each starts a fresh system on the bus it is given, does one fault,
 * and reports what was done, how long until every observer's copy equals each owner's last
 * published state and who is online is true, and what went wrong on the way. None asserts;
 * callers (the quick test subset, `npm run chaos`) decide what must hold.
 */
import { randomBytes } from 'node:crypto';
import { createBus, type Bus } from '../../src/runtime/index.js';
import type { ChaosBus } from './buses.js';
import { createChaosCluster, type ChaosCluster, type Liveness } from './cluster.js';
import { garbageMessage, oversizeMessage } from './garbage.js';
import { domainName, serviceName } from './system.js';

export interface ScenarioResult {
  readonly scenario: string;
  readonly bus: string;
  /** What was done, in a few words. */
  readonly action: string;
  /** Milliseconds from the end of the fault until everything converged (or until the fault was seen, where `what` says). */
  readonly recoveredMs: number;
  /** Observer copies that still differed from the owners' last states at the end. */
  readonly statesLost: number;
  /** Forged states that an observer applied on the way (even briefly). */
  readonly forgedApplied: number;
  readonly note?: string;
}

export interface ScenarioOptions {
  /** Hang detector for each convergence wait. */
  readonly timeoutMs?: number;
}

const allOnline = (count: number): Record<string, Liveness> =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [serviceName(i), 'online' as const]));

const uniqueSystem = (name: string): string => `chaos-${name}-${randomBytes(3).toString('hex')}`;

async function withCluster<T>(bus: ChaosBus, name: string, count: number, body: (cluster: ChaosCluster) => Promise<T>): Promise<T> {
  const cluster = createChaosCluster({ url: bus.url, system: uniqueSystem(name), count });
  try {
    return await body(cluster);
  } finally {
    await cluster.close();
  }
}

async function connectForger(url: string): Promise<Bus> {
  const forger = createBus(url, { clientId: `forger-${randomBytes(4).toString('hex')}` });
  await forger.connect();
  return forger;
}

/**
 * Watches `statusTopic` from now on for a live (not retained) `online`: what a service
 * publishes after each (re)connect, once its will (liveness) is registered again.
 */
async function watchLiveOnline(url: string, statusTopic: string): Promise<{ wait(timeoutMs: number): Promise<void>; close(): Promise<void> }> {
  const watcher = createBus(url, { clientId: `watcher-${randomBytes(4).toString('hex')}`, reconnectPeriodMs: 100 });
  let seen = false;
  watcher.onMessage((m) => {
    if (m.topic !== statusTopic || m.retained) return;
    try {
      seen ||= (JSON.parse(Buffer.from(m.payload).toString()) as { status?: unknown }).status === 'online';
    } catch {
      // Not a status message: not the one awaited.
    }
  });
  await watcher.connect();
  await watcher.subscribe(statusTopic);
  return {
    async wait(timeoutMs) {
      const started = Date.now();
      while (!seen) {
        if (Date.now() - started > timeoutMs) throw new Error(`no live online on ${statusTopic} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => watcher.close(),
  };
}

/** Every service local, each publishing value 1. */
async function startLocals(cluster: ChaosCluster, count: number, from = 0): Promise<void> {
  for (let i = from; i < count; i++) {
    const local = await cluster.startLocal(i);
    await local.publish(1);
  }
}

export async function garbageFlood(bus: ChaosBus, payloads: number, options: ScenarioOptions = {}): Promise<ScenarioResult> {
  const count = 3;
  return withCluster(bus, 'garbage', count + 1, async (cluster) => {
    await startLocals(cluster, count);
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    const forger = await connectForger(bus.url);
    const running = Array.from({ length: count }, (_, i) => domainName(i));
    for (let i = 0; i < payloads; i++) {
      const message = garbageMessage(cluster.spec, running, i);
      // The last message on each topic is retained: a late joiner meets garbage first.
      await forger.publish(message.topic, message.payload, { retain: i >= payloads - 40 });
    }
    for (const domain of ['d0', 'd1']) {
      const big = oversizeMessage(cluster.spec, domain);
      await forger.publish(big.topic, big.payload, { retain: false });
    }
    await forger.close();
    const started = Date.now();
    for (const local of cluster.locals.values()) await local.publish(2);
    await cluster.startLocal(count);
    await cluster.locals.get(serviceName(count))!.publish(1);
    await cluster.waitConverged(allOnline(count + 1), options.timeoutMs);
    return {
      scenario: 'garbage flood',
      bus: bus.label,
      action: `${payloads} bad messages of 18 kinds (incl. 10,000-deep arrays, 1 MiB+), the last retained; owners publish; a late joiner starts`,
      recoveredMs: Date.now() - started,
      statesLost: cluster.wrongHeld(),
      forgedApplied: cluster.forgedApplied(),
    };
  });
}

type Forgery = 'future epoch' | 'max seq' | 'stale offline' | 'offline of the live instance';

function forgedMessage(cluster: ChaosCluster, forgery: Forgery): { topic: string; payload: string } {
  const owner = cluster.locals.get('source')!;
  const epoch = owner.instance.epoch;
  const time = new Date().toISOString();
  const envelope = (e: number, seq: number): string =>
    JSON.stringify({ protocol: 'chinook/1', domain: 'd0', owner: 'source', version: 1, epoch: e, seq, time, state: { value: -1, by: 'forger' } });
  const status = (e: number): string => JSON.stringify({ protocol: 'chinook/1', service: 'source', status: 'offline', epoch: e, time });
  switch (forgery) {
    case 'future epoch':
      return { topic: `${cluster.spec.prefix}/state/d0`, payload: envelope(Date.now() + 365 * 86_400_000, 1) };
    case 'max seq':
      return { topic: `${cluster.spec.prefix}/state/d0`, payload: envelope(epoch, Number.MAX_SAFE_INTEGER) };
    case 'stale offline':
      return { topic: `${cluster.spec.prefix}/status/source`, payload: status(1) };
    case 'offline of the live instance':
      return { topic: `${cluster.spec.prefix}/status/source`, payload: status(epoch) };
  }
}

/**
 * A forged message (retained, as an attacker would), then the owner goes on publishing:
 * every copy must come back to the owner's state, and a late joiner must get it too.
 */
export async function forged(bus: ChaosBus, forgery: Forgery, options: ScenarioOptions = {}): Promise<ScenarioResult> {
  const count = 3;
  return withCluster(bus, 'forged', count + 1, async (cluster) => {
    await startLocals(cluster, count);
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    const forger = await connectForger(bus.url);
    const message = forgedMessage(cluster, forgery);
    await forger.publish(message.topic, Buffer.from(message.payload), { retain: true });
    await forger.close();
    const started = Date.now();
    await cluster.locals.get('source')!.publish(2);
    await cluster.startLocal(count);
    await cluster.locals.get(serviceName(count))!.publish(1);
    await cluster.waitConverged(allOnline(count + 1), options.timeoutMs);
    return {
      scenario: `forged ${forgery}`,
      bus: bus.label,
      action: 'a forged message for `source` (retained); the owner publishes once more; a late joiner starts',
      recoveredMs: Date.now() - started,
      statesLost: cluster.wrongHeld(),
      forgedApplied: cluster.forgedApplied(),
    };
  });
}

/** The owner of a domain restarts (a new instance, as after a deploy): its new state is current everywhere. */
export async function ownerRestart(bus: ChaosBus, options: ScenarioOptions = {}): Promise<ScenarioResult> {
  const count = 3;
  return withCluster(bus, 'restart', count, async (cluster) => {
    await startLocals(cluster, count);
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    await cluster.locals.get('source')!.instance.stop();
    cluster.locals.delete('source');
    const started = Date.now();
    const source = await cluster.startLocal(0);
    await source.publish(1);
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    return {
      scenario: 'owner restart',
      bus: bus.label,
      action: 'the owner of d0 stops cleanly and starts again (new instance, seq from 1)',
      recoveredMs: Date.now() - started,
      statesLost: cluster.wrongHeld(),
      forgedApplied: cluster.forgedApplied(),
    };
  });
}

/** kill -9 of an owner in its own process: how long until every dependent sees it offline; then a restart recovers. */
export async function killOwner(bus: ChaosBus, options: ScenarioOptions = {}): Promise<ScenarioResult[]> {
  const count = 3;
  return withCluster(bus, 'kill', count, async (cluster) => {
    await cluster.startChild(0, 1);
    await startLocals(cluster, count, 1);
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    const killedAt = Date.now();
    await cluster.children.get('source')!.kill();
    await cluster.waitConverged({ ...allOnline(count), source: 'offline' }, options.timeoutMs);
    const detected: ScenarioResult = { scenario: 'kill -9 owner', bus: bus.label, action: 'SIGKILL the owner of d0 (keepalive 1 s): time until every dependent sees it offline, its state kept', recoveredMs: Date.now() - killedAt, statesLost: cluster.wrongHeld(), forgedApplied: cluster.forgedApplied() };
    const restartedAt = Date.now();
    await cluster.startChild(0, 2);
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    return [
      detected,
      { scenario: 'restart after kill -9', bus: bus.label, action: 'start the killed owner again with a new state', recoveredMs: Date.now() - restartedAt, statesLost: cluster.wrongHeld(), forgedApplied: cluster.forgedApplied() },
    ];
  });
}

/** SIGSTOP an owner beyond its keepalive (it is declared dead), then SIGCONT: it must be seen online again by everyone. */
export async function freezeOwner(bus: ChaosBus, options: ScenarioOptions = {}): Promise<ScenarioResult> {
  const count = 3;
  return withCluster(bus, 'freeze', count, async (cluster) => {
    const source = await cluster.startChild(0, 1);
    await startLocals(cluster, count, 1);
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    const frozenAt = Date.now();
    source.signal('SIGSTOP');
    try {
      await cluster.waitConverged({ ...allOnline(count), source: 'offline' }, options.timeoutMs);
    } finally {
      source.signal('SIGCONT');
    }
    const detectedMs = Date.now() - frozenAt;
    const resumedAt = Date.now();
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    await cluster.publishFromChild(0, 2);
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    return {
      scenario: 'SIGSTOP beyond keepalive, SIGCONT',
      bus: bus.label,
      action: `freeze the owner of d0 until all see it offline (${detectedMs} ms), then resume it; it publishes again`,
      recoveredMs: Date.now() - resumedAt,
      statesLost: cluster.wrongHeld(),
      forgedApplied: cluster.forgedApplied(),
    };
  });
}

/** The broker restarts under a running system; with or without retained state kept. */
export async function brokerRestart(bus: ChaosBus, options: ScenarioOptions = {}): Promise<ScenarioResult> {
  const count = 3;
  return withCluster(bus, 'broker', count + 1, async (cluster) => {
    await startLocals(cluster, count);
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    const started = Date.now();
    await bus.restart();
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    const convergedMs = Date.now() - started;
    await cluster.startLocal(count);
    await cluster.locals.get(serviceName(count))!.publish(1);
    await cluster.waitConverged(allOnline(count + 1), options.timeoutMs);
    return {
      scenario: 'broker restart',
      bus: bus.label,
      action: 'restart the broker under the running system; then a late joiner starts',
      recoveredMs: convergedMs,
      statesLost: cluster.wrongHeld(),
      forgedApplied: cluster.forgedApplied(),
    };
  });
}

/** The broker restarts (forgetting its settings), then an owner is killed: the death must still be noticed. */
export async function restartThenKill(bus: ChaosBus, options: ScenarioOptions = {}): Promise<ScenarioResult> {
  const count = 3;
  return withCluster(bus, 'restart-kill', count, async (cluster) => {
    await cluster.startChild(0, 1);
    await startLocals(cluster, count, 1);
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    const statusTopic = cluster.spec.services[serviceName(0)]!.statusTopic;
    const republished = await watchLiveOnline(bus.url, statusTopic);
    await bus.restart();
    try {
      // Every copy still says online across the restart: kill only once the owner is back on
      // the new server with its liveness registered, which its own live `online` says.
      await republished.wait(options.timeoutMs ?? 60_000);
    } finally {
      await republished.close();
    }
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    const killedAt = Date.now();
    await cluster.children.get('source')!.kill();
    await cluster.waitConverged({ ...allOnline(count), source: 'offline' }, options.timeoutMs);
    return {
      scenario: 'broker restart, then kill -9',
      bus: bus.label,
      action: 'restart the broker, wait until all are back, SIGKILL the owner of d0: time until all see it offline',
      recoveredMs: Date.now() - killedAt,
      statesLost: cluster.wrongHeld(),
      forgedApplied: cluster.forgedApplied(),
    };
  });
}

/**
 * A flood that overflows the broker's per-client queues while an owner restarts, so its
 * `offline` and `online` may be dropped on the way to some subscribers: who is online must
 * still converge to the truth.
 */
export async function queueOverflow(bus: ChaosBus, messages: number, options: ScenarioOptions = {}): Promise<ScenarioResult> {
  const count = 4;
  return withCluster(bus, 'overflow', count, async (cluster) => {
    await cluster.startChild(0, 1);
    await startLocals(cluster, count, 1);
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    const forger = await connectForger(bus.url);
    const flood = (async () => {
      const topic = `${cluster.spec.prefix}/state/${domainName(count + 1)}`;
      const payload = Buffer.alloc(2_000, 120);
      const pending: Promise<void>[] = [];
      for (let i = 0; i < messages; i++) {
        pending.push(forger.publish(topic, payload, { retain: false }));
        if (pending.length >= 500) await Promise.all(pending.splice(0));
      }
      await Promise.all(pending);
    })();
    await cluster.children.get('source')!.kill();
    await cluster.startChild(0, 2);
    await flood;
    await forger.close();
    const started = Date.now();
    await cluster.waitConverged(allOnline(count), options.timeoutMs);
    return {
      scenario: 'queue overflow during a restart',
      bus: bus.label,
      action: `${messages} × 2 kB messages flood every subscriber while the owner of d0 is killed and restarted`,
      recoveredMs: Date.now() - started,
      statesLost: cluster.wrongHeld(),
      forgedApplied: cluster.forgedApplied(),
    };
  });
}
