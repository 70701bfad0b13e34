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
import { brokerLabel, inRotatingOrder, rawClientName, uniqueId, type BenchContext } from './lib/context.js';
import { withTimeout } from './lib/processes.js';
import { connectRawClient } from './lib/raw-clients.js';
import { compareRow, pooledPercentileOf, spreadOf, type BenchRow } from './lib/report.js';
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
  /** Every latency sample of the round (ms): p99 is taken over all rounds' samples pooled. */
  latencies: number[];
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
    return { p50: percentile(latencies, 50), latencies, rate, cpuUs };
  } finally {
    await pipe.close();
  }
}

type Sizes = { latency: number; warmup: number; throughput: number; window: number };

/** One round of each side: raw, Chinook, and the raw publisher that receives its own updates. */
interface Round {
  raw: RoundFigures;
  typed: RoundFigures;
  echo: { rate: number; cpuUs: number };
}

/**
 * One round per side, in an order that rotates round by round (raw first, then Chinook first,
 * then the echo baseline first), so no side always runs right after another's broker backlog.
 */
async function runInterleavedRound(broker: RunningBroker, sizes: Sizes, round: number): Promise<Round> {
  const result: Partial<Round> = {};
  const parts: Array<() => Promise<void>> = [
    async () => void (result.raw = await runRound(() => openRawPipe(broker), sizes)),
    async () => void (result.typed = await runRound(() => openChinookPipe(broker), sizes)),
    async () => void (result.echo = await runEchoRound(broker, sizes)),
  ];
  await inRotatingOrder(round, parts);
  return result as Round;
}

export async function benchUpdates(ctx: BenchContext): Promise<void> {
  const sizes: Sizes = ctx.quick
    ? { latency: 100, warmup: 20, throughput: 500, window: 50 }
    : { latency: 1_000, warmup: 100, throughput: 5_000, window: 100 };
  for (const broker of ctx.brokers) {
    const label = brokerLabel(broker.kind);
    const scenario = `update/${broker.kind}`;
    const rounds: Round[] = [];
    // Twice the rounds of other figures: a round is short, and this ratio is the noisiest.
    const count = ctx.quick ? ctx.rounds : ctx.rounds * 2;
    try {
      // A first round that is not counted: JIT, connection set-up and the broker's own warm-up.
      if (!ctx.quick) {
        ctx.progress(`update throughput/latency via ${label}: warm-up round (not counted)`);
        await runInterleavedRound(broker, sizes, 0);
      }
      for (let round = 0; round < count; round++) {
        ctx.progress(`update throughput/latency via ${label}: round ${round + 1}/${count}`);
        rounds.push(await runInterleavedRound(broker, sizes, round));
      }
    } catch (error) {
      ctx.fail(scenario, error);
      continue;
    }
    ctx.add(...updateRows(scenario, broker, sizes, rounds, !ctx.quick));
  }
}

function updateRows(scenario: string, broker: RunningBroker, sizes: Sizes, rounds: readonly Round[], warmedUp: boolean): BenchRow[] {
  const label = brokerLabel(broker.kind);
  const raw = rounds.map((r) => r.raw);
  const typed = rounds.map((r) => r.typed);
  const echo = rounds.map((r) => r.echo);
  const rawName = `raw ${rawClientName(broker.kind)} + JSON`;
  const all = <R,>(rows: readonly R[], key: keyof R): number[] => rows.map((r) => r[key] as number);
  const cpu = (rows: readonly { cpuUs: number }[]): number => median(rows.map((r) => r.cpuUs));
  const cpuNote = broker.kind === 'aedes' ? '; CPU includes the embedded broker, which runs in the bench process' : '';
  return [
    compareRow({
      scenario,
      name: `update throughput, ${label} (window ${sizes.window})`,
      unit: 'updates/s',
      ...spreadOf(all(typed, 'rate'), all(raw, 'rate')),
      baselineName: rawName,
      better: 'higher',
      targetRatio: 0.9,
      cpuPerUpdate: { value: cpu(typed), baseline: cpu(raw) },
      note: `${rounds.length} rounds${warmedUp ? ' after an uncounted warm-up round' : ''}, the order of the sides rotating; CPU: this process (publisher and receiver), user + system, per update${cpuNote}`,
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
      ...pooledPercentileOf(
        typed.map((r) => r.latencies),
        raw.map((r) => r.latencies),
        99,
      ),
      baselineName: rawName,
      better: 'lower',
      note: `p99 of all ${rounds.length} rounds' ${sizes.latency}-sample latencies pooled (${rounds.length * sizes.latency} samples); min–max: the per-round p99s`,
    }),
  ];
}
