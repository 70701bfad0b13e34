/**
 * A chaos cluster: the chaos system's services on one real bus, some in this process (they
 * are also the observers whose copies are checked), some in child processes (so they can be
 * killed with SIGKILL or frozen with SIGSTOP). It keeps the truth: the last state each
 * legitimate owner published, and who is really alive.
 */
import { isDeepStrictEqual } from 'node:util';
import { createBus, createService, type ServiceContext, type ServiceInstance, type SystemSpec } from '../../src/runtime/index.js';
import { spawnChaosChild, type ChaosChild } from './child.js';
import { createChaosSpec, domainName, serviceName, type ChaosState, type ChaosTypes } from './system.js';

export type Liveness = 'online' | 'offline';

export interface LocalService {
  readonly name: string;
  readonly domain: string;
  readonly instance: ServiceInstance<ChaosTypes>;
  /** Every state its update callbacks saw, per domain, in order. */
  readonly applied: Map<string, ChaosState[]>;
  publish(value: number): Promise<void>;
}

export interface ChaosClusterOptions {
  readonly url: string;
  readonly system: string;
  /** Services in the system (at least 2). */
  readonly count: number;
  readonly keepaliveSeconds?: number;
}

export interface ChaosCluster {
  readonly spec: SystemSpec;
  readonly url: string;
  /** The last state each legitimate owner published, by domain. */
  readonly truth: Map<string, ChaosState>;
  readonly locals: Map<string, LocalService>;
  readonly children: Map<string, ChaosChild>;
  startLocal(index: number): Promise<LocalService>;
  startChild(index: number, firstValue: number): Promise<ChaosChild>;
  /** Publishes through a child's stdin and records it as the truth once the child says it did. */
  publishFromChild(index: number, value: number): Promise<void>;
  /** Why the cluster has not converged to `expected` liveness yet (empty when it has). */
  mismatches(expected: Readonly<Record<string, Liveness>>): string[];
  /** Resolves with the milliseconds it took to converge; rejects with the mismatches after `timeoutMs`. */
  waitConverged(expected: Readonly<Record<string, Liveness>>, timeoutMs?: number): Promise<number>;
  /** States written by anyone but the owner that an update callback ever saw. */
  forgedApplied(): number;
  /** Observer copies that differ from the truth right now. */
  wrongHeld(): number;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function recordingHandler(spec: SystemSpec, applied: Map<string, ChaosState[]>, onCtx: (ctx: ServiceContext<ChaosTypes>) => void) {
  const onUpdate: Record<string, (state: ChaosState) => void> = {};
  for (const domain of Object.keys(spec.domains)) {
    applied.set(domain, []);
    onUpdate[domain] = (state) => applied.get(domain)!.push(state);
  }
  return { onStart: onCtx, onUpdate };
}

export function createChaosCluster(options: ChaosClusterOptions): ChaosCluster {
  const spec = createChaosSpec(options.system, options.count);
  const keepaliveSeconds = options.keepaliveSeconds ?? 1;
  const truth = new Map<string, ChaosState>();
  const locals = new Map<string, LocalService>();
  const children = new Map<string, ChaosChild>();

  const startLocal = async (index: number): Promise<LocalService> => {
    const name = serviceName(index);
    const domain = domainName(index);
    const applied = new Map<string, ChaosState[]>();
    let ctx: ServiceContext<ChaosTypes> | undefined;
    const instance = createService<ChaosTypes>(spec, name, recordingHandler(spec, applied, (c) => void (ctx = c)), {
      bus: (busOptions) => createBus(options.url, { ...busOptions, keepaliveSeconds }),
      dependencyTimeoutMs: 0,
      reportIntervalMs: 60_000,
      log: () => {},
    });
    await instance.start();
    const local: LocalService = {
      name,
      domain,
      instance,
      applied,
      async publish(value) {
        const state = { value, by: name };
        truth.set(domain, state);
        await ctx!.publish(domain, state);
      },
    };
    locals.set(name, local);
    return local;
  };

  const startChild = async (index: number, firstValue: number): Promise<ChaosChild> => {
    const child = await spawnChaosChild({ url: options.url, system: options.system, count: options.count, index, keepaliveSeconds, firstValue });
    truth.set(domainName(index), { value: firstValue, by: serviceName(index) });
    children.set(serviceName(index), child);
    return child;
  };

  const mismatches = (expected: Readonly<Record<string, Liveness>>): string[] => {
    const found: string[] = [];
    for (const local of locals.values()) {
      for (const [domain, state] of truth) {
        const held = local.instance.state[domain];
        if (!isDeepStrictEqual(held, state)) found.push(`${local.name} holds ${domain} = ${JSON.stringify(held)}, owner published ${JSON.stringify(state)}`);
      }
      const peers = local.instance.peers();
      for (const [service, liveness] of Object.entries(expected)) {
        if (peers[service] !== liveness) found.push(`${local.name} sees ${service} ${peers[service] ?? 'unknown'}, it is ${liveness}`);
      }
    }
    return found;
  };

  return {
    spec,
    url: options.url,
    truth,
    locals,
    children,
    startLocal,
    startChild,
    async publishFromChild(index, value) {
      const child = children.get(serviceName(index));
      if (!child) throw new Error(`no child ${serviceName(index)}`);
      await child.publish(value);
      truth.set(domainName(index), { value, by: serviceName(index) });
    },
    mismatches,
    async waitConverged(expected, timeoutMs = 30_000) {
      const started = Date.now();
      for (;;) {
        const found = mismatches(expected);
        if (found.length === 0) return Date.now() - started;
        if (Date.now() - started > timeoutMs) throw new Error(`not converged within ${timeoutMs} ms:\n  ${found.slice(0, 12).join('\n  ')}`);
        await sleep(10);
      }
    },
    forgedApplied() {
      let count = 0;
      for (const local of locals.values()) {
        for (const [domain, states] of local.applied) count += states.filter((s) => s.by !== spec.domains[domain]!.owner).length;
      }
      return count;
    },
    wrongHeld() {
      let count = 0;
      for (const local of locals.values()) {
        for (const [domain, state] of truth) if (!isDeepStrictEqual(local.instance.state[domain], state)) count++;
      }
      return count;
    },
    async close() {
      await Promise.allSettled([...children.values()].map((c) => c.kill()));
      await Promise.allSettled([...locals.values()].map((l) => l.instance.stop()));
    },
  };
}
