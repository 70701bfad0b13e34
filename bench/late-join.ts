/**
 * Scenario 2: late-join sync. A system of N domains (retained state already on the bus):
 * a raw client subscribing to the state topics until it holds all N (JSON.parse each),
 * against a Chinook service that requires all N reaching "all available" (`start()`
 * resolves). Both times include connecting.
 */
import { startChinookService, stopAll } from './lib/chinook.js';
import { brokerLabel, inRotatingOrder, uniqueId, type BenchContext } from './lib/context.js';
import { withTimeout } from './lib/processes.js';
import { connectRawClient } from './lib/raw-clients.js';
import { compareRow, spreadOf } from './lib/report.js';
import { median, nowMs } from './lib/stats.js';
import { seedWideSystem, type SeededSystem } from './lib/seed.js';
import type { RunningBroker } from './lib/brokers.js';

async function joinRaw(broker: RunningBroker, seeded: SeededSystem): Promise<number> {
  const held = new Map<string, unknown>();
  let done: (() => void) | undefined;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const t0 = nowMs();
  const client = await connectRawClient(broker.url, { clientId: uniqueId('raw-joiner') });
  try {
    client.onMessage((message) => {
      held.set(message.topic, JSON.parse(message.payload.toString('utf8')));
      if (held.size === seeded.count) done?.();
    });
    const pattern = `${seeded.spec.prefix}/state/+`;
    await client.subscribe(pattern);
    // Redis and NATS have no retained messages: read the keys / the KV bucket after subscribing (as the adapters do).
    if (client.readRetained) await client.readRetained(pattern);
    await withTimeout(all, 60_000, `the raw joiner to hold ${seeded.count} domains (${held.size} so far)`);
    return nowMs() - t0;
  } finally {
    await client.close();
  }
}

async function joinChinook(broker: RunningBroker, seeded: SeededSystem): Promise<number> {
  const t0 = nowMs();
  const service = await startChinookService(seeded.spec, 'joiner-0', {}, broker.url);
  const elapsed = nowMs() - t0;
  const missing = Object.keys(seeded.spec.domains).filter((d) => service.status(d).availability !== 'available');
  await stopAll([service]);
  if (missing.length > 0) throw new Error(`start() resolved with ${missing.length} domains not available`);
  return elapsed;
}

/** A raw and a Chinook join, which goes first alternating round by round; returns [raw, Chinook] ms. */
async function joinBoth(broker: RunningBroker, seeded: SeededSystem, round: number): Promise<[number, number]> {
  let raw = 0;
  let typed = 0;
  await inRotatingOrder(round, [async () => void (raw = await joinRaw(broker, seeded)), async () => void (typed = await joinChinook(broker, seeded))]);
  return [raw, typed];
}

export async function benchLateJoin(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 200 : 1_000;
  // A join takes tens of milliseconds: six times the default rounds cost seconds, and steady the median.
  const rounds = ctx.quick ? ctx.rounds : ctx.rounds * 6;
  const warmups = ctx.quick ? 0 : 3;
  for (const broker of ctx.brokers) {
    const scenario = `late-join/${broker.kind}`;
    const raw: number[] = [];
    const typed: number[] = [];
    try {
      ctx.progress(`late-join of ${count} domains via ${brokerLabel(broker.kind)}: seeding`);
      const seeded = await seedWideSystem(broker.url, count);
      // Not counted: the first joins in this process pay for JIT and the broker's first reads of the retained set.
      for (let round = 0; round < warmups; round++) await joinBoth(broker, seeded, round);
      for (let round = 0; round < rounds; round++) {
        ctx.progress(`late-join via ${brokerLabel(broker.kind)}: round ${round + 1}/${rounds}`);
        const [r, t] = await joinBoth(broker, seeded, round);
        raw.push(r);
        typed.push(t);
      }
    } catch (error) {
      ctx.fail(scenario, error);
      continue;
    }
    ctx.add(
      compareRow({
        scenario,
        name: `late-join of ${count} domains, ${brokerLabel(broker.kind)}`,
        unit: 'ms',
        ...spreadOf(typed, raw),
        baselineName: broker.kind === 'redis' ? 'raw ioredis SCAN+MGET + JSON' : broker.kind.startsWith('nats') ? 'raw nats.js KV watch + JSON' : 'raw mqtt.js retained + JSON',
        better: 'lower',
        targetRatio: 1.25,
        note: `median of ${rounds} rounds${warmups > 0 ? ` after ${warmups} uncounted warm-up rounds` : ''}, raw and Chinook alternating which goes first`,
      }),
    );
  }
}
