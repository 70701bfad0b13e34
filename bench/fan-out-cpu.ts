/**
 * CPU per delivered update in a fan-out: one owner and N services in this process on the
 * embedded aedes broker (as `chinook run --in-process` runs them), the owner publishing as
 * fast as the services keep up (a window of 20 updates in flight). Measures process CPU
 * (user + system, `process.cpuUsage`), which the machine's load disturbs far less than
 * wall time, and divides it by the deliveries (updates × N). The broker runs in this
 * process too, so its CPU is counted, on both sides.
 *
 *   node --import tsx bench/fan-out-cpu.ts typed 20 3000     # or: raw 20 3000
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/fan-out-cpu.ts typed 20 3000
 *
 * Prints one JSON line: { side, n, updates, cpuUsPerDelivery, wallMs }.
 */
import { makePlantState, plantStateSchema, type PlantState } from './fixtures/plant-state.js';
import { startAedes } from './lib/brokers.js';
import { startChinookService, stopAll, type LooseTypes } from './lib/chinook.js';
import { uniqueId } from './lib/context.js';
import { cleanUpEverything } from './lib/processes.js';
import { connectRawClient } from './lib/raw-clients.js';
import { buildSystemSpec } from './lib/system.js';
import type { ServiceContext } from '../src/runtime/contract.js';

interface Fan {
  publish(counter: number): void;
  /** Lowest counter every receiver has seen. */
  readonly lowest: () => number;
  close(): Promise<void>;
}

function tracker(n: number): { seen: number[]; lowest: () => number } {
  const seen = new Array<number>(n).fill(-1);
  return { seen, lowest: () => Math.min(...seen) };
}

let shared: object | undefined;

/** The decode cache's hits and misses, when this checkout has one (older ones did not). */
async function cacheStats(): Promise<unknown> {
  if (shared === undefined) return undefined;
  try {
    const module = (await import('../src/runtime/decode-cache.js')) as { decodeCacheOf(system: object): { stats: object } | undefined };
    return module.decodeCacheOf(shared)?.stats;
  } catch {
    return undefined;
  }
}

async function openTyped(url: string, n: number): Promise<Fan> {
  const watchers = Array.from({ length: n }, (_, i) => `watcher-${String(i).padStart(2, '0')}`);
  const spec = buildSystemSpec(
    uniqueId('fancpu'),
    [{ name: 'plant-controller', owns: ['plant'] }, ...watchers.map((name) => ({ name, owns: [`${name}-report`], waitsFor: ['plant'] }))],
    () => plantStateSchema,
  );
  let ctx: ServiceContext<LooseTypes> | undefined;
  const owner = await startChinookService(spec, 'plant-controller', { onStart: (c) => void (ctx = c) }, url);
  await ctx!.publish('plant', makePlantState(0));
  const { seen, lowest } = tracker(n);
  const services = [owner];
  shared = spec;
  for (const [index, name] of watchers.entries()) {
    services.push(await startChinookService(spec, name, { onUpdate: { plant: (state) => void (seen[index] = (state as PlantState).counter) } }, url));
  }
  return {
    publish: (counter) => void ctx!.publish('plant', makePlantState(counter)),
    lowest,
    close: () => stopAll(services),
  };
}

async function openRaw(url: string, n: number): Promise<Fan> {
  const id = uniqueId('rawfancpu');
  const topic = `bench/${id}/plant`;
  const pub = await connectRawClient(url, { clientId: `${id}-pub` });
  const subs = await Promise.all(Array.from({ length: n }, (_, i) => connectRawClient(url, { clientId: `${id}-sub${i}` })));
  const { seen, lowest } = tracker(n);
  await Promise.all(
    subs.map(async (sub, index) => {
      sub.onMessage((message) => {
        seen[index] = (JSON.parse(message.payload.toString('utf8')) as PlantState).counter;
      });
      await sub.subscribe(topic);
    }),
  );
  return {
    publish: (counter) => void pub.publish(topic, JSON.stringify(makePlantState(counter))),
    lowest,
    close: async () => void (await Promise.allSettled([pub.close(), ...subs.map((s) => s.close())])),
  };
}

/** Publishes updates first..first+count-1, at most `window` ahead of the slowest receiver. */
async function pump(fan: Fan, first: number, count: number, window = 20): Promise<void> {
  let next = first;
  const last = first + count - 1;
  while (fan.lowest() < last) {
    while (next <= last && next - fan.lowest() <= window) fan.publish(next++);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const [side = 'typed', nText = '20', updatesText = '3000'] = process.argv.slice(2);
const n = Number(nText);
const updates = Number(updatesText);
const broker = await startAedes();
try {
  const fan = side === 'raw' ? await openRaw(broker.url, n) : await openTyped(broker.url, n);
  await pump(fan, 1, 300);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pump(fan, 301, updates);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const cpuUsPerDelivery = (cpu.user + cpu.system) / (updates * n);
  process.stdout.write(`${JSON.stringify({ side, n, updates, cpuUsPerDelivery: Number(cpuUsPerDelivery.toFixed(2)), wallMs: Math.round(wallMs), cache: await cacheStats() })}\n`);
  await fan.close();
} finally {
  await cleanUpEverything();
}
process.exit(0);
