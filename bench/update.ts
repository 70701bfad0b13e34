/**
 * Scenario 1: update throughput and publish → receive latency of a ~600-byte nested state,
 * QoS 1, retained. Raw: mqtt.js (or ioredis) with JSON.stringify / JSON.parse only.
 * Chinook: an owner service publishing with `ctx.publish` and a dependent receiving in
 * `onUpdate` (validation on both ends, envelope, (epoch, seq) ordering, store update; the
 * owner also receives its own update, as every Chinook service does).
 *
 * Latency: one message at a time (publish, wait for its receipt, next). Throughput: a
 * window of messages published but not yet received, the same on both sides.
 */
import { makePlantState, type PlantState } from './fixtures/plant-state.js';
import { startChinookService, stopAll } from './lib/chinook.js';
import { brokerLabel, rawClientName, uniqueId, type BenchContext } from './lib/context.js';
import { withTimeout } from './lib/processes.js';
import { connectRawClient } from './lib/raw-clients.js';
import { compareRow, spreadOf } from './lib/report.js';
import { median, nowMs, percentile } from './lib/stats.js';
import { buildPairSystem } from './lib/system.js';
import type { RunningBroker } from './lib/brokers.js';
import type { ServiceContext } from '../src/runtime/contract.js';

/** One side of the comparison, connected and ready: `send(i)` publishes state #i; receipts call `onReceive`. */
interface Pipe {
  send(counter: number): void;
  onReceive: (counter: number) => void;
  /** First error of a fire-and-forget publish, if any. */
  error?: unknown;
  close(): Promise<void>;
}

type PairTypes = {
  readonly state: { readonly plant: PlantState; readonly report: unknown };
  readonly owned: 'plant' | 'report';
  readonly required: 'plant';
  readonly watched: 'plant';
};

/**
 * `echo`: the raw publisher also subscribes to (and parses) its own topic, as a Chinook
 * owner does (every service receives its own domains): a diagnostic baseline, not the target's.
 */
export async function openRawPipe(broker: RunningBroker, echo = false): Promise<Pipe> {
  const id = uniqueId('raw');
  const topic = `bench/${id}/plant`;
  const pub = await connectRawClient(broker.url, { clientId: `${id}-pub` });
  const sub = await connectRawClient(broker.url, { clientId: `${id}-sub` });
  const pipe: Pipe = {
    send(counter) {
      pub.publish(topic, JSON.stringify(makePlantState(counter))).catch((error: unknown) => {
        pipe.error ??= error;
      });
    },
    onReceive: () => {},
    async close() {
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
  sub.onMessage((message) => {
    if (message.retained) return;
    const state = JSON.parse(message.payload.toString('utf8')) as PlantState;
    pipe.onReceive(state.counter);
  });
  await sub.subscribe(topic);
  if (echo) {
    let held: unknown;
    pub.onMessage((message) => {
      if (!message.retained) held = JSON.parse(message.payload.toString('utf8'));
    });
    await pub.subscribe(topic);
    void held;
  }
  return pipe;
}

export async function openChinookPipe(broker: RunningBroker): Promise<Pipe> {
  const spec = buildPairSystem(uniqueId('pair'));
  let ownerCtx: ServiceContext<PairTypes> | undefined;
  const owner = await startChinookService<PairTypes>(
    spec,
    'plant-controller',
    {
      onStart(ctx) {
        ownerCtx = ctx;
      },
    },
    broker.url,
  );
  if (!ownerCtx) throw new Error('the owner service started without calling onStart');
  const ctx = ownerCtx;
  await ctx.publish('plant', makePlantState(0));
  const pipe: Pipe = {
    send(counter) {
      ctx.publish('plant', makePlantState(counter)).catch((error: unknown) => {
        pipe.error ??= error;
      });
    },
    onReceive: () => {},
    async close() {
      await stopAll([owner, monitor]);
    },
  };
  const monitor = await startChinookService<PairTypes>(
    spec,
    'plant-monitor',
    {
      onUpdate: {
        plant(state) {
          pipe.onReceive(state.counter);
        },
      },
    },
    broker.url,
  );
  return pipe;
}

/** Latencies (ms) of `count` one-at-a-time updates, after `warmup` unrecorded ones. */
async function measureLatency(pipe: Pipe, count: number, warmup: number, firstCounter: number): Promise<number[]> {
  const latencies: number[] = [];
  let expected = -1;
  let arrived: (() => void) | undefined;
  pipe.onReceive = (counter) => {
    if (counter === expected) arrived?.();
  };
  for (let i = 0; i < warmup + count; i++) {
    expected = firstCounter + i;
    const received = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const t0 = nowMs();
    pipe.send(expected);
    await withTimeout(received, 5_000, `update #${expected} to arrive`);
    if (i >= warmup) latencies.push(nowMs() - t0);
    if (pipe.error) throw pipe.error;
  }
  return latencies;
}

/** Updates per second with up to `window` updates published and not yet received. */
export async function measureThroughput(pipe: Pipe, count: number, window: number, firstCounter: number): Promise<number> {
  let sent = 0;
  let received = 0;
  let finish: (() => void) | undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const last = firstCounter + count - 1;
  const pump = (): void => {
    while (sent < count && sent - received < window) pipe.send(firstCounter + sent++);
  };
  pipe.onReceive = (counter) => {
    if (counter < firstCounter || counter > last) return;
    received++;
    if (received === count) finish?.();
    else pump();
  };
  const t0 = nowMs();
  pump();
  await withTimeout(finished, 120_000, `${count} updates to arrive (${received} arrived)`);
  const elapsed = nowMs() - t0;
  if (pipe.error) throw pipe.error;
  return (count * 1000) / elapsed;
}

interface RoundFigures {
  p50: number;
  p99: number;
  rate: number;
  /** Process CPU (user + system) per update during the throughput run, µs: publisher, receiver (and, for aedes, the broker) together. */
  cpuUs: number;
}

/** Updates per second, and this process's CPU time per update meanwhile. */
async function throughputWithCpu(pipe: Pipe, count: number, window: number, firstCounter: number): Promise<{ rate: number; cpuUs: number }> {
  const before = process.cpuUsage();
  const rate = await measureThroughput(pipe, count, window, firstCounter);
  const used = process.cpuUsage(before);
  return { rate, cpuUs: (used.user + used.system) / count };
}

async function runEchoRound(broker: RunningBroker, sizes: { throughput: number; window: number }): Promise<{ rate: number; cpuUs: number }> {
  const pipe = await openRawPipe(broker, true);
  try {
    return await throughputWithCpu(pipe, sizes.throughput, sizes.window, 1);
  } finally {
    await pipe.close();
  }
}

async function runRound(open: () => Promise<Pipe>, sizes: { latency: number; warmup: number; throughput: number; window: number }): Promise<RoundFigures> {
  const pipe = await open();
  try {
    const latencies = await measureLatency(pipe, sizes.latency, sizes.warmup, 1);
    const { rate, cpuUs } = await throughputWithCpu(pipe, sizes.throughput, sizes.window, 1_000_000);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), rate, cpuUs };
  } finally {
    await pipe.close();
  }
}

export async function benchUpdates(ctx: BenchContext): Promise<void> {
  const sizes = ctx.quick
    ? { latency: 100, warmup: 20, throughput: 500, window: 50 }
    : { latency: 1_000, warmup: 100, throughput: 5_000, window: 100 };
  for (const broker of ctx.brokers) {
    const label = brokerLabel(broker.kind);
    const scenario = `update/${broker.kind}`;
    const raw: RoundFigures[] = [];
    const typed: RoundFigures[] = [];
    const echo: { rate: number; cpuUs: number }[] = [];
    // Twice the rounds of other figures: a round is short, and this ratio is the noisiest.
    const rounds = ctx.quick ? ctx.rounds : ctx.rounds * 2;
    try {
      for (let round = 0; round < rounds; round++) {
        ctx.progress(`update throughput/latency via ${label}: round ${round + 1}/${rounds}`);
        // Interleaved, so both sides share whatever noise the machine has at the time.
        raw.push(await runRound(() => openRawPipe(broker), sizes));
        typed.push(await runRound(() => openChinookPipe(broker), sizes));
        echo.push(await runEchoRound(broker, sizes));
      }
    } catch (error) {
      ctx.fail(scenario, error);
      continue;
    }
    const rawName = `raw ${rawClientName(broker.kind)} + JSON`;
    const all = <R,>(rows: readonly R[], key: keyof R): number[] => rows.map((r) => r[key] as number);
    const cpu = (rows: readonly { cpuUs: number }[]): number => median(rows.map((r) => r.cpuUs));
    const cpuNote = broker.kind === 'aedes' ? '; CPU includes the embedded broker, which runs in the bench process' : '';
    ctx.add(
      compareRow({
        scenario,
        name: `update throughput, ${label} (window ${sizes.window})`,
        unit: 'updates/s',
        ...spreadOf(all(typed, 'rate'), all(raw, 'rate')),
        baselineName: rawName,
        better: 'higher',
        targetRatio: 0.9,
        cpuPerUpdate: { value: cpu(typed), baseline: cpu(raw) },
        note: `${rounds} rounds; CPU: this process (publisher and receiver), user + system, per update${cpuNote}`,
      }),
      compareRow({
        scenario,
        name: `update throughput, ${label}, vs a raw publisher that also receives its own updates`,
        unit: 'updates/s',
        ...spreadOf(all(typed, 'rate'), all(echo, 'rate')),
        baselineName: `${rawName}, publisher subscribed too`,
        better: 'higher',
        cpuPerUpdate: { value: cpu(typed), baseline: cpu(echo) },
        note:
          'diagnostic: a Chinook owner receives its own updates too (PROTOCOL.md: every service holds the whole state), ' +
          'which doubles deliveries, PUBACKs and parses per update; this baseline pays the same',
      }),
      compareRow({
        scenario,
        name: `update latency p50, ${label}`,
        unit: 'ms',
        ...spreadOf(all(typed, 'p50'), all(raw, 'p50')),
        baselineName: rawName,
        better: 'lower',
      }),
      compareRow({
        scenario,
        name: `update latency p99, ${label}`,
        unit: 'ms',
        ...spreadOf(all(typed, 'p99'), all(raw, 'p99')),
        baselineName: rawName,
        better: 'lower',
      }),
    );
  }
}
