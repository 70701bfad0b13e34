/**
 * The pause rule with the lazily created callback scope (src/runtime/callback-scope.ts): several
 * services in one process (two systems on one memory broker), timers started in onStart
 * before any AsyncLocalStorage exists, and publishes from onDependencyLost.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBroker, createMemoryBus, createService, type Bus, type BusMessage, type ServiceContext } from '../../src/runtime/index.js';
import { createTestSystem, waitFor, type LightingTypes, type PowerTypes } from './fixtures.js';

type Broker = ReturnType<typeof createMemoryBroker>;

async function startPower(broker: Broker, system: ReturnType<typeof createTestSystem>) {
  let bus: Bus | undefined;
  let ctx: ServiceContext<PowerTypes> | undefined;
  const instance = createService<PowerTypes>(system, 'power-service', { onStart: (c) => void (ctx = c) }, { bus: (o) => (bus = createMemoryBus(broker, o)), log: () => {} });
  await instance.start();
  await ctx!.publish('power', { watts: 1, source: 'grid' });
  return { instance, bus: () => bus! };
}

async function record(broker: Broker): Promise<BusMessage[]> {
  const raw = createMemoryBus(broker, { clientId: `rec-${Math.random()}` });
  const messages: BusMessage[] = [];
  raw.onMessage((m) => messages.push(m));
  await raw.connect();
  await raw.subscribe('chinook/#');
  return messages;
}

const lampsOf = (m: BusMessage): unknown => (JSON.parse(m.payload.toString()) as { state: { lamps: { id: string }[] } }).state.lamps.map((l) => l.id).join(',');

describe('callback scope, lazily created, several services in one process', () => {
  it('a timer from onStart is held while paused, onDependencyLost goes out, for both systems', async () => {
    const broker = createMemoryBroker();
    const systems = [createTestSystem('one'), createTestSystem('two')];
    const powers: Awaited<ReturnType<typeof startPower>>[] = [];
    for (const s of systems) powers.push(await startPower(broker, s));
    const messages = await record(broker);
    const timers: NodeJS.Timeout[] = [];
    const lightings: ReturnType<typeof createService<LightingTypes>>[] = [];
    for (const [i, s] of systems.entries()) {
      const lighting = createService<LightingTypes>(s, 'lighting-service', {
        onStart: (c) => {
          let n = 0;
          // A plain timer, started before any watched callback ran anywhere in the process.
          timers.push(setInterval(() => void c.publish('lighting', { lamps: [{ id: `timer-${i}-${n++}`, on: true }] }).catch(() => {}), 3));
          // A promise chain started in onStart that publishes much later.
          void new Promise((r) => setTimeout(r, 150)).then(() => c.publish('lighting', { lamps: [{ id: `late-${i}`, on: true }] }).catch(() => {}));
        },
        onDependencyLost: async (_d, c) => {
          await new Promise((r) => setTimeout(r, 2));
          await c.publish('lighting', { lamps: [{ id: `lost-${i}`, on: false }] });
        },
      }, { bus: (o) => createMemoryBus(broker, o), log: () => {} });
      await lighting.start();
      lightings.push(lighting);
    }
    // Lose power of system two first (its onDependencyLost creates the storage), then system one.
    await powers[1]!.bus().close({ abrupt: true });
    await waitFor(() => lightings[1]!.phase() === 'paused', 'two paused');
    await powers[0]!.bus().close({ abrupt: true });
    await waitFor(() => lightings[0]!.phase() === 'paused', 'one paused');
    await new Promise((r) => setTimeout(r, 30));
    const mark = messages.length;
    await new Promise((r) => setTimeout(r, 250));
    const whilePaused = messages.slice(mark).filter((m) => m.topic.endsWith('/state/lighting')).map(lampsOf);
    const lost = messages.filter((m) => m.topic.endsWith('/state/lighting')).map(lampsOf).filter((l) => String(l).startsWith('lost-'));
    for (const t of timers) clearInterval(t);
    for (const l of lightings) await l.stop();
    expect(whilePaused).toEqual([]);
    expect(lost.sort()).toEqual(['lost-0', 'lost-1']);
  });
});
