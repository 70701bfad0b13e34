/**
 * Scenario 3: fan-out. One owner and 20 services each holding the full state, in one
 * process (so the figure is what one Node process and the broker sustain on this machine).
 * The owner publishes at a steady rate for a while; the rate doubles until some service
 * fails to receive every update within a grace period after the last one, then a few
 * bisection steps narrow it down (bounded either way).
 * Reported: the highest rate at which every service kept up, raw and Chinook.
 */
import { makePlantState, type PlantState } from './fixtures/plant-state.js';
import { startChinookService, stopAll } from './lib/chinook.js';
import { brokerLabel, rawClientName, uniqueId, type BenchContext } from './lib/context.js';
import { delay } from './lib/processes.js';
import { connectRawClient } from './lib/raw-clients.js';
import { compareRow, spreadOf } from './lib/report.js';
import { median, nowMs } from './lib/stats.js';
import { buildSystemSpec } from './lib/system.js';
import { plantStateSchema } from './fixtures/plant-state.js';
import type { RunningBroker } from './lib/brokers.js';
import type { ServiceContext, ServiceInstance } from '../src/runtime/contract.js';
import type { LooseTypes } from './lib/chinook.js';

interface FanPipe {
  send(counter: number): void;
  /** Set by the stepper: receiver `index` got update `counter`. */
  onReceive: (index: number, counter: number) => void;
  error?: unknown;
  close(): Promise<void>;
}

async function openRawFan(broker: RunningBroker, receivers: number): Promise<FanPipe> {
  const id = uniqueId('rawfan');
  const topic = `bench/${id}/plant`;
  const pub = await connectRawClient(broker.url, { clientId: `${id}-pub` });
  const subs = await Promise.all(Array.from({ length: receivers }, (_, i) => connectRawClient(broker.url, { clientId: `${id}-sub${i}` })));
  const pipe: FanPipe = {
    send(counter) {
      pub.publish(topic, JSON.stringify(makePlantState(counter))).catch((error: unknown) => {
        pipe.error ??= error;
      });
    },
    onReceive: () => {},
    async close() {
      await Promise.allSettled([pub.close(), ...subs.map((s) => s.close())]);
    },
  };
  await Promise.all(
    subs.map(async (sub, index) => {
      // Each raw receiver holds the latest state, as a service would.
      let held: PlantState | undefined;
      sub.onMessage((message) => {
        if (message.retained) return;
        held = JSON.parse(message.payload.toString('utf8')) as PlantState;
        pipe.onReceive(index, held.counter);
      });
      await sub.subscribe(topic);
    }),
  );
  return pipe;
}

async function openChinookFan(broker: RunningBroker, receivers: number): Promise<FanPipe> {
  const watchers = Array.from({ length: receivers }, (_, i) => `watcher-${String(i).padStart(2, '0')}`);
  const spec = buildSystemSpec(
    uniqueId('fan'),
    [{ name: 'plant-controller', owns: ['plant'] }, ...watchers.map((name) => ({ name, owns: [`${name}-report`], waitsFor: ['plant'] }))],
    () => plantStateSchema,
  );
  let ownerCtx: ServiceContext<LooseTypes> | undefined;
  const owner = await startChinookService(spec, 'plant-controller', { onStart: (c) => void (ownerCtx = c) }, broker.url);
  if (!ownerCtx) throw new Error('the owner service started without calling onStart');
  const ctx = ownerCtx;
  await ctx.publish('plant', makePlantState(0));
  const services: ServiceInstance<LooseTypes>[] = [owner];
  const pipe: FanPipe = {
    send(counter) {
      ctx.publish('plant', makePlantState(counter)).catch((error: unknown) => {
        pipe.error ??= error;
      });
    },
    onReceive: () => {},
    async close() {
      await stopAll(services);
    },
  };
  try {
    const started = await Promise.all(
      watchers.map((name, index) =>
        startChinookService(spec, name, { onUpdate: { plant: (state) => pipe.onReceive(index, (state as PlantState).counter) } }, broker.url),
      ),
    );
    services.push(...started);
  } catch (error) {
    await pipe.close();
    throw error;
  }
  return pipe;
}

interface StepPlan {
  readonly startRate: number;
  /** Rates double from startRate until a step fails (or maxRate passes)… */
  readonly maxRate: number;
  /** …then this many bisection steps between the last pass and the first failure. */
  readonly bisections: number;
  readonly durationMs: number;
  readonly graceMs: number;
  /** The longest wait for a backlog to drain after a step (see drain()). */
  readonly drainMs: number;
}

/** Does every receiver get all updates sent at `rate` for `durationMs`, within the grace period? */
async function runStep(pipe: FanPipe, receivers: number, rate: number, firstCounter: number, plan: StepPlan): Promise<boolean> {
  const total = Math.max(1, Math.round((rate * plan.durationMs) / 1000));
  const counts = new Array<number>(receivers).fill(0);
  const last = firstCounter + total - 1;
  pipe.onReceive = (index, counter) => {
    if (counter >= firstCounter && counter <= last) counts[index]!++;
  };
  let sent = 0;
  const t0 = nowMs();
  while (sent < total) {
    const due = Math.min(total, Math.floor((rate * (nowMs() - t0)) / 1000) + 1);
    while (sent < due) pipe.send(firstCounter + sent++);
    // The publisher itself could not hold the rate: that is not keeping up either.
    if (nowMs() - t0 > plan.durationMs * 1.5 + 200) return false;
    await delay(2);
  }
  const deadline = nowMs() + plan.graceMs;
  while (counts.some((c) => c < total)) {
    if (nowMs() > deadline) return false;
    await delay(5);
  }
  if (pipe.error) throw pipe.error;
  return true;
}

/**
 * Waits until no update has arrived for `graceMs` (at least that long, at most `drainMs`): a
 * failed step leaves a backlog in the broker and the clients, which would fail the next step
 * too, or (JetStream) hold up the next side's start.
 */
async function drain(pipe: FanPipe, plan: StepPlan): Promise<void> {
  let lastAt = nowMs();
  pipe.onReceive = () => {
    lastAt = nowMs();
  };
  const deadline = nowMs() + plan.drainMs;
  while (nowMs() - lastAt < plan.graceMs && nowMs() < deadline) await delay(20);
}

/** The highest rate that passed (0 when even the first step failed). Bounded: doubling, then bisection. */
async function findHighestRate(open: () => Promise<FanPipe>, receivers: number, plan: StepPlan): Promise<number> {
  const pipe = await open();
  let counter = 1;
  const step = async (rate: number): Promise<boolean> => {
    const ok = await runStep(pipe, receivers, rate, counter, plan);
    counter += Math.round((rate * plan.durationMs) / 1000) + 1;
    return ok;
  };
  // A doubling step that fails is tried once more (after the backlog drains): one hiccup of a
  // loaded machine would otherwise halve the result, and the bisection cannot win it back.
  const holds = async (rate: number): Promise<boolean> => {
    if (await step(rate)) return true;
    await drain(pipe, plan);
    return step(rate);
  };
  try {
    let best = 0;
    let failed: number | undefined;
    for (let rate = plan.startRate; rate <= plan.maxRate; rate *= 2) {
      if (!(await holds(rate))) {
        failed = rate;
        break;
      }
      best = rate;
    }
    for (let i = 0; i < plan.bisections && failed !== undefined && best > 0; i++) {
      await drain(pipe, plan);
      const rate = Math.round((best + failed) / 2);
      if (await step(rate)) best = rate;
      else failed = rate;
    }
    await drain(pipe, plan);
    return best;
  } finally {
    await pipe.close();
  }
}

export async function benchFanOut(ctx: BenchContext): Promise<void> {
  const receivers = ctx.quick ? 5 : 20;
  const plan: StepPlan = ctx.quick
    ? { startRate: 100, maxRate: 400, bisections: 0, durationMs: 200, graceMs: 500, drainMs: 2_000 }
    : { startRate: 500, maxRate: 64_000, bisections: 3, durationMs: 500, graceMs: 300, drainMs: 10_000 };
  // Fan-out is the longest scenario: fewer rounds than the others keep the full run in budget.
  const rounds = ctx.quick ? 1 : Math.min(ctx.rounds, 3);
  for (const broker of ctx.brokers) {
    const scenario = `fan-out/${broker.kind}`;
    const raw: number[] = [];
    const typed: number[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        ctx.progress(`fan-out to ${receivers} services via ${brokerLabel(broker.kind)}: round ${round + 1}/${rounds}`);
        raw.push(await findHighestRate(() => openRawFan(broker, receivers), receivers, plan));
        typed.push(await findHighestRate(() => openChinookFan(broker, receivers), receivers, plan));
      }
    } catch (error) {
      ctx.fail(scenario, error);
      continue;
    }
    ctx.add(
      compareRow({
        scenario,
        name: `fan-out to ${receivers} services, highest rate without loss, ${brokerLabel(broker.kind)}`,
        unit: 'updates/s',
        ...spreadOf(typed, raw),
        baselineName: `${receivers} raw ${rawClientName(broker.kind)} clients + JSON`,
        better: 'higher',
        note:
          `median of ${rounds} rounds; rate doubled from ${plan.startRate}/s (a failed doubling step is tried twice) then bisected ${plan.bisections}×, ` +
          `each step after the last one's backlog drained (nothing received for ${plan.graceMs} ms), ` +
          `${plan.durationMs} ms per step; "kept up" = every service ` +
          `received every update within ${plan.graceMs} ms of the last; all clients in one Node process`,
      }),
    );
  }
}
