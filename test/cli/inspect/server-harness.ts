/** The inspect server in-process, on a memory bus, with a publisher standing in for the services. */
import { createBus } from '../../../src/bus/create-bus.js';
import { getNamedMemoryBroker } from '../../../src/bus/memory.js';
import type { Bus } from '../../../src/bus/bus.js';
import { graphFromSystem } from '../../../src/cli/inspect/system-graph.js';
import { startInspectServer, type InspectServer, type InspectServerOptions } from '../../../src/cli/inspect/inspect-server.js';
import type { SystemSpec } from '../../../src/runtime/contract.js';

let counter = 0;

export interface Harness {
  readonly server: InspectServer;
  readonly observerBus: Bus;
  /** Topics holding a retained message on the memory broker. */
  retainedTopics(): string[];
  /** Publishes as the owner would (retained). */
  publishState(domain: string, state: unknown, seq: number, epoch?: number): Promise<void>;
  publishStatus(service: string, status: 'online' | 'offline', epoch?: number): Promise<void>;
  publishRaw(topic: string, payload: string): Promise<void>;
  get(path: string, headers?: Record<string, string>, method?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startHarness(system: SystemSpec, options: Partial<InspectServerOptions> = {}): Promise<Harness> {
  const name = `inspect-${process.pid}-${++counter}`;
  const url = `memory://${name}`;
  const publisher = createBus(url, { clientId: 'publisher' });
  await publisher.connect();
  const observerBus = createBus(url, { clientId: 'inspector' });
  await observerBus.connect();
  const server = await startInspectServer({ bus: observerBus, system, graph: graphFromSystem(system), port: 0, flushMs: 20, ...options });
  const publish = (topic: string, body: unknown): Promise<void> => publisher.publish(topic, Buffer.from(JSON.stringify(body)), { retain: true });
  return {
    server,
    observerBus,
    retainedTopics: () => getNamedMemoryBroker(name).retainedTopics().sort(),
    publishState(domain, state, seq, epoch = 1) {
      const spec = system.domains[domain]!;
      return publish(spec.topic, { protocol: 'chinook/1', domain, owner: spec.owner, version: spec.version, epoch, seq, time: new Date().toISOString(), state });
    },
    publishStatus(service, status, epoch = 1) {
      return publish(system.services[service]!.statusTopic, { protocol: 'chinook/1', service, status, epoch, time: new Date().toISOString() });
    },
    publishRaw: (topic, payload) => publisher.publish(topic, Buffer.from(payload), { retain: false }),
    async get(path, headers = {}, method = 'GET') {
      const res = await fetch(new URL(path, server.url), { headers, method });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async close() {
      await server.close();
      await observerBus.close();
      await publisher.close();
    },
  };
}

/** Resolves once `check` holds, polling; rejects after `timeoutMs` saying what it waited for. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
