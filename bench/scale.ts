/**
 * Scenario: N services × 20 updates/s (issue 14). Every service owns one domain and publishes
 * it 20 times a second (QoS 1, retained, a ~600-byte state); every service receives every
 * update of every domain (the whole state is everyone's), so a step delivers N² × 20 updates/s.
 * All services of a side run in this one process (as `chinook run --in-process` does), each
 * with its own connection, on mosquitto (else the first broker).
 *
 * A step "holds" when at least 95% of the updates due over its window were acknowledged by the
 * broker and received by every service within 2 s after the window (the publishers' schedule
 * catches up when late, so a process that cannot keep up shows as missing acks and receipts). N is searched by bisection over a fixed ladder with
 * short windows, then the largest N that held is confirmed over the full window (60 s; quick:
 * seconds); if the confirmation fails the next lower N is confirmed instead (once).
 *
 * Reported: the largest N that held, raw and Chinook, and the process CPU time (user + system)
 * per delivered update during the confirmation, with its min–max over 10-s slices.
 */
import { makePlantState, plantStateSchema, type PlantState } from './fixtures/plant-state.js';
import { startChinookService, stopAll, type LooseTypes } from './lib/chinook.js';
import { brokerLabel, uniqueId, type BenchContext } from './lib/context.js';
import { delay } from './lib/processes.js';
import { connectRawClient } from './lib/raw-clients.js';
import { compareRow, spreadOf } from './lib/report.js';
import { nowMs } from './lib/stats.js';
import { buildSystemSpec } from './lib/system.js';
import type { RunningBroker } from './lib/brokers.js';
import type { ServiceContext, ServiceHandler, ServiceInstance } from '../src/runtime/contract.js';

const RATE = 20;
const GRACE_MS = 2_000;

/** N services, connected: `publish(i, counter)` publishes service i's domain; receipts count into `received[i]`. */
interface Fleet {
  readonly size: number;
  publish(index: number, counter: number): Promise<void>;
  readonly received: number[];
  close(): Promise<void>;
}

export async function openRawFleet(broker: RunningBroker, size: number): Promise<Fleet> {
  const id = uniqueId('rawscale');
  const received = new Array<number>(size).fill(0);
  const clients = await Promise.all(Array.from({ length: size }, (_, i) => connectRawClient(broker.url, { clientId: `${id}-${i}` })));
  const held = new Map<string, PlantState>();
  await Promise.all(
    clients.map(async (client, i) => {
      client.onMessage((m) => {
        if (m.retained) return;
        held.set(m.topic, JSON.parse(m.payload.toString('utf8')) as PlantState);
        received[i]!++;
      });
      await client.subscribe(`bench/${id}/+`);
    }),
  );
  return {
    size,
    received,
    publish: (index, counter) => clients[index]!.publish(`bench/${id}/d${index}`, JSON.stringify(makePlantState(counter))),
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
    },
  };
}

export async function openChinookFleet(broker: RunningBroker, size: number): Promise<Fleet> {
  const names = Array.from({ length: size }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
  const domainOf = (name: string): string => `d-${name}`;
  // Optional dependencies on every other domain: each service gets an onUpdate for every update, which is what is counted.
  const spec = buildSystemSpec(
    uniqueId('scale'),
    names.map((name) => ({ name, owns: [domainOf(name)], optional: names.filter((n) => n !== name).map(domainOf) })),
    () => plantStateSchema,
  );
  const received = new Array<number>(size).fill(0);
  const contexts: ServiceContext<LooseTypes>[] = [];
  const services: ServiceInstance<LooseTypes>[] = [];
  try {
    for (const [i, name] of names.entries()) {
      const onUpdate = Object.fromEntries(names.map((n) => [domainOf(n), () => void received[i]!++]));
      const handler: ServiceHandler<LooseTypes> = { onStart: (ctx) => void (contexts[i] = ctx), onUpdate };
      services.push(await startChinookService(spec, name, handler, broker.url));
    }
  } catch (error) {
    await stopAll(services);
    throw error;
  }
  return {
    size,
    received,
    publish: (index, counter) => contexts[index]!.publish(domainOf(names[index]!), makePlantState(counter)),
    close: () => stopAll(services),
  };
}

interface StepResult {
  readonly held: boolean;
  readonly published: number;
  readonly delivered: number;
  /** CPU µs per delivered update, per slice of `sliceMs` (the whole window when not sliced). */
  readonly cpuUsPerDelivery: number[];
  /** The first publish error, if any (the step then did not hold). */
  readonly error?: string;
}

/** CPU µs per delivered update, sampled every `sliceMs` (a slice with no delivery is skipped). */
function sampleCpu(deliveredNow: () => number, sliceMs: number): { stop(): number[] } {
  const slices: number[] = [];
  let cpu = process.cpuUsage();
  let last = 0;
  const timer = setInterval(() => {
    const used = process.cpuUsage(cpu);
    const delivered = deliveredNow();
    if (delivered > last) slices.push((used.user + used.system) / (delivered - last));
    cpu = process.cpuUsage();
    last = delivered;
  }, sliceMs);
  return {
    stop() {
      clearInterval(timer);
      return slices;
    },
  };
}

/**
 * Every service publishes RATE/s for `windowMs`, each on its own staggered schedule; a
 * scheduler that falls behind catches up (publishes what is due), so "falling behind" shows
 * as acknowledgements and deliveries that do not arrive within the grace period.
 */
async function driveStep(fleet: Fleet, windowMs: number, sliceMs: number): Promise<StepResult> {
  const start = [...fleet.received];
  const deliveredNow = (): number => fleet.received.reduce((sum, r, i) => sum + r - start[i]!, 0);
  const issued = new Array<number>(fleet.size).fill(0);
  let acked = 0;
  let counter = 0;
  let failed: unknown;
  const cpu0 = process.cpuUsage();
  const sampler = sampleCpu(deliveredNow, sliceMs);
  const t0 = nowMs();
  const periodMs = 1000 / RATE;
  for (let elapsed = 0; elapsed < windowMs; elapsed = nowMs() - t0) {
    for (let i = 0; i < fleet.size; i++) {
      const due = Math.floor((elapsed - (i * periodMs) / fleet.size) / periodMs) + 1;
      while (issued[i]! < Math.min(due, (windowMs / 1000) * RATE)) {
        issued[i]!++;
        fleet.publish(i, ++counter).then(
          () => void acked++,
          (error: unknown) => void (failed ??= error),
        );
      }
    }
    await delay(5);
  }
  const published = issued.reduce((a, b) => a + b, 0);
  // A loop blocked past the window's end has not even issued what was due: behind too.
  const issuedAll = published >= fleet.size * RATE * (windowMs / 1000) * 0.95;
  const caughtUp = (): boolean => acked >= published * 0.95 && fleet.received.every((r, i) => r - start[i]! >= published * 0.95);
  const deadline = nowMs() + GRACE_MS;
  while (nowMs() < deadline && !caughtUp()) await delay(20);
  const slices = sampler.stop();
  const used = process.cpuUsage(cpu0);
  const delivered = deliveredNow();
  const whole = (used.user + used.system) / Math.max(1, delivered);
  // A publish that fails (e.g. the broker dropped a client whose keepalive went unanswered in a
  // saturated process) is this N not holding, not the scenario failing.
  const held = failed === undefined && issuedAll && caughtUp();
  return { held, published, delivered, cpuUsPerDelivery: slices.length > 0 ? slices : [whole], ...(failed !== undefined ? { error: String(failed) } : {}) };
}

interface ScalePlan {
  readonly ladder: readonly number[];
  readonly searchMs: number;
  readonly confirmMs: number;
  readonly sliceMs: number;
}

export async function runAt(open: (n: number) => Promise<Fleet>, size: number, windowMs: number, sliceMs: number): Promise<StepResult> {
  const fleet = await open(size);
  try {
    await delay(200);
    return await driveStep(fleet, windowMs, sliceMs);
  } finally {
    await fleet.close();
  }
}

/** The largest N of the ladder that holds (bisection on short windows, then confirmed), and the confirmation's figures. */
async function findLargest(open: (n: number) => Promise<Fleet>, plan: ScalePlan, progress: (m: string) => void): Promise<{ size: number; confirm?: StepResult }> {
  let low = -1;
  let high = plan.ladder.length;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    const step = await runAt(open, plan.ladder[mid]!, plan.searchMs, plan.searchMs);
    progress(`  N=${plan.ladder[mid]}: ${step.held ? 'holds' : 'falls behind'} (${step.published} published, ${step.delivered} delivered${step.error ? `; ${step.error}` : ''})`);
    if (step.held) low = mid;
    else high = mid;
  }
  for (let index = low; index >= 0 && index >= low - 1; index--) {
    const confirm = await runAt(open, plan.ladder[index]!, plan.confirmMs, plan.sliceMs);
    progress(`  confirm N=${plan.ladder[index]} for ${plan.confirmMs / 1000} s: ${confirm.held ? 'holds' : 'falls behind'}`);
    if (confirm.held) return { size: plan.ladder[index]!, confirm };
  }
  return { size: 0 };
}

export async function benchScale(ctx: BenchContext): Promise<void> {
  const broker = ctx.brokers.find((b) => b.kind === 'mosquitto') ?? ctx.brokers[0];
  if (!broker) throw new Error('no broker is running');
  const plan: ScalePlan = ctx.quick
    ? { ladder: [2, 4], searchMs: 1_500, confirmMs: 2_000, sliceMs: 1_000 }
    : { ladder: [5, 10, 15, 20, 30, 40, 50], searchMs: 8_000, confirmMs: 60_000, sliceMs: 10_000 };
  const label = brokerLabel(broker.kind);
  ctx.progress(`N services × ${RATE} updates/s via ${label}: raw`);
  const raw = await findLargest((n) => openRawFleet(broker, n), plan, ctx.progress);
  ctx.progress(`N services × ${RATE} updates/s via ${label}: Chinook`);
  const typed = await findLargest((n) => openChinookFleet(broker, n), plan, ctx.progress);
  // CPU per delivery is compared at the same N: raw again at Chinook's N when they differ.
  const rawAtTyped =
    typed.size === raw.size || typed.size === 0 ? raw.confirm : await runAt((n) => openRawFleet(broker, n), typed.size, Math.min(plan.confirmMs, 20_000), plan.sliceMs);
  const cpu = (r: StepResult | undefined): number[] => r?.cpuUsPerDelivery ?? [Number.NaN];
  const scenario = `scale/${broker.kind}`;
  const conditions =
    `every service publishes ${RATE}/s, every service receives every update; held = ≥95% of what was due acknowledged and received by every service within ${GRACE_MS / 1000} s; ` +
    `N searched on ${plan.ladder.join(', ')} with ${plan.searchMs / 1000}-s windows, then confirmed over ${plan.confirmMs / 1000} s; all services in one process, one connection each; one round (ranges are over ${plan.sliceMs / 1000}-s slices of the confirmation)`;
  ctx.add(
    compareRow({
      scenario,
      name: `N services × ${RATE} updates/s, largest N that holds, ${label}`,
      unit: 'services',
      value: typed.size,
      baselineName: `N raw ${broker.kind === 'redis' ? 'ioredis' : 'mqtt.js'} clients + JSON`,
      baseline: raw.size,
      better: 'higher',
      note: conditions,
    }),
    compareRow({
      scenario,
      name: `N services × ${RATE} updates/s, CPU per delivered update at the largest N that holds, ${label}`,
      unit: 'µs',
      ...spreadOf(cpu(typed.confirm), cpu(rawAtTyped)),
      baselineName: `raw mqtt.js + JSON at the same N`,
      better: 'lower',
      note: `at N=${typed.size}; process CPU (user + system) / updates delivered to all services, per ${plan.sliceMs / 1000}-s slice`,
    }),
  );
}
