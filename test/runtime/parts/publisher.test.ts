import { describe, expect, it } from 'vitest';
import { createMemoryBroker, createMemoryBus, type Bus, type BusMessage } from '../../../src/runtime/index.js';
import { createPublisher } from '../../../src/runtime/publisher.js';
import { createStore } from '../../../src/runtime/store.js';
import { createTestSystem } from '../fixtures.js';

async function setup(refusal: () => 'send' | 'hold' | 'not-started' | 'stopped' = () => 'send') {
  const system = createTestSystem();
  const store = createStore(system);
  const broker = createMemoryBroker();
  const bus: Bus = createMemoryBus(broker, { clientId: 'power' });
  await bus.connect();
  const sent: BusMessage[] = [];
  bus.onMessage((m) => sent.push(m));
  await bus.subscribe(`${system.prefix}/state/+`);
  const applied: string[] = [];
  const onlines: number[] = [];
  const publisher = createPublisher({
    system, service: 'power-service', store, now: () => 5_000, maxPayloadBytes: 1024,
    bus: () => bus, gate: refusal, applied: (e) => applied.push(e.name), echoesSuppressed: () => false,
    sayOnline: async () => void onlines.push(1), onReassertFailed: () => {}, sendsWhilePaused: () => false,
  });
  publisher.begin(1_000);
  return { store, publisher, sent, applied, bus, onlines };
}

describe('publisher', () => {
  it('paused: holds the latest state of each domain and sends it on release; a stop drops it', async () => {
    let mode: 'send' | 'hold' = 'hold';
    const { store, publisher, sent } = await setup(() => mode);
    await publisher.publish('power', { watts: 1, source: 'grid' });
    await publisher.publish('power', { watts: 2, source: 'grid' });
    await new Promise((r) => setTimeout(r, 5));
    expect(sent).toEqual([]);
    expect(store.view['power']).toBeUndefined();
    mode = 'send';
    await publisher.releaseHeld();
    await new Promise((r) => setTimeout(r, 5));
    expect(sent.map((m) => JSON.parse(m.payload.toString()).state.watts)).toEqual([2]);
    mode = 'hold';
    await publisher.publish('power', { watts: 3, source: 'grid' });
    publisher.dropHeld();
    await publisher.releaseHeld();
    expect(store.view['power']).toEqual({ watts: 2, source: 'grid' });
  });

  it('stamps (epoch, seq), applies locally at once, and recognises the echo', async () => {
    const { store, publisher, sent, applied } = await setup();
    await publisher.publish('power', { watts: 1, source: 'grid' });
    await publisher.publish('power', { watts: 2, source: 'grid' });
    expect(store.status('power')).toMatchObject({ epoch: 1_000, seq: 2 });
    expect(applied).toEqual(['power', 'power']);
    expect(publisher.published).toBe(2);
    await new Promise((r) => setTimeout(r, 5));
    const entry = store.domains.get('power')!;
    expect(sent.map((m) => publisher.classify(entry, m.payload))).toEqual(['echo', 'echo']);
    // The retained copy of the last publish (a resubscribe) is ours too; an older one is not.
    expect(publisher.classify(entry, sent[1]!.payload)).toBe('echo');
  });

  it('refuses a foreign domain, a publish before the start or after the stop, and an invalid state', async () => {
    let refusal: 'send' | 'hold' | 'not-started' | 'stopped' = 'not-started';
    const { publisher, sent } = await setup(() => refusal);
    await expect(publisher.publish('power', { watts: 1, source: 'grid' })).rejects.toMatchObject({ code: 'not-started' });
    await expect(publisher.publish('lighting', { lamps: [] })).rejects.toMatchObject({ code: 'not-owner', message: /owned by lighting-service/ });
    await expect(publisher.publish('garden', {})).rejects.toMatchObject({ code: 'not-owner', message: /not a domain/ });
    refusal = 'send';
    await expect(publisher.publish('power', { watts: -1, source: 'grid' })).rejects.toMatchObject({ name: 'StateInvalidError' });
    refusal = 'stopped';
    await expect(publisher.publish('power', { watts: 1, source: 'grid' })).rejects.toMatchObject({ code: 'stopped' });
    expect(sent).toEqual([]);
  });
});
