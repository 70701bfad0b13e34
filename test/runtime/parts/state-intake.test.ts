import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, type RejectReason, type StateEnvelope } from '../../../src/runtime/index.js';
import { createStateIntake, keepPending } from '../../../src/runtime/state-intake.js';
import { createStore } from '../../../src/runtime/store.js';
import { createTestSystem } from '../fixtures.js';

const envelope = (epoch: number, seq: number, state: unknown = { watts: 1, source: 'grid' }): StateEnvelope =>
  ({ protocol: 'chinook/1', domain: 'power', owner: 'power-service', version: 1, epoch, seq, time: '1970-01-01T00:00:00.000Z', state });

function setup() {
  const system = createTestSystem();
  const store = createStore(system);
  const counters = { applied: 0, duplicates: 0 };
  const rejected: string[] = [];
  const calls: string[] = [];
  const intake = createStateIntake({
    store, counters, now: () => 7, maxPayloadBytes: 1024 * 1024,
    decoder: () => decodeEnvelope,
    reject: (reason: RejectReason, topic, domain, detail) => rejected.push(`${reason} ${domain ?? topic}: ${detail}`),
    hooks: {
      applied: (entry) => calls.push(`applied ${entry.name}`),
      foreignDecoded: (entry, epoch, seq) => calls.push(`foreign ${entry.name} ${epoch}/${seq}`),
    },
  });
  const power = store.domains.get('power')!;
  const at = (epoch: number, seq: number, watts = 1): Buffer =>
    encodeEnvelope({ domain: 'power', owner: 'power-service', version: 1, epoch, seq, time: 0, state: { watts, source: 'grid' } });
  return { store, counters, rejected, calls, intake, power, at, topic: `${system.prefix}/state/power` };
}

describe('state intake', () => {
  it('applies a valid envelope with the local time, counts a redelivery as a duplicate, rejects the stale', () => {
    const { store, counters, rejected, calls, intake, power, at, topic } = setup();
    intake.receive(power, topic, 'power', at(10, 2, 5));
    intake.receive(power, topic, 'power', at(10, 2, 5));
    intake.receive(power, topic, 'power', at(10, 1, 4));
    expect(store.status('power')).toMatchObject({ epoch: 10, seq: 2, receivedAt: 7 });
    expect(store.view['power']).toEqual({ watts: 5, source: 'grid' });
    expect(counters).toEqual({ applied: 1, duplicates: 1 });
    expect(calls).toEqual(['applied power']);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(/^stale power: /);
  });

  it('rejects a state topic of a domain the system does not have', () => {
    const { counters, rejected, intake, at } = setup();
    intake.receive(undefined, 'p/state/nope', 'nope', at(10, 1));
    expect(counters).toEqual({ applied: 0, duplicates: 0 });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(/ nope: /);
  });

  it('never applies a foreign envelope on an owned domain: tells its (epoch, seq), counts or rejects it', () => {
    const { store, counters, rejected, calls, intake, power, at, topic } = setup();
    intake.receive(power, topic, 'power', at(10, 2));
    intake.receiveForeign(power, topic, at(10, 3));
    intake.receiveForeign(power, topic, at(10, 2));
    intake.receiveForeign(power, topic, Buffer.from('nope'));
    expect(store.status('power')).toMatchObject({ epoch: 10, seq: 2 });
    expect(calls).toEqual(['applied power', 'foreign power 10/3', 'foreign power 10/2']);
    expect(counters).toEqual({ applied: 1, duplicates: 1 });
    expect(rejected.map((r) => r.split(' ')[0])).toEqual(['stale', 'not-json']);
  });

  it('keeps the newest stale envelope per other instance, and applies it when asked if it is valid', () => {
    const { store, counters, calls, intake, power, at, topic } = setup();
    intake.receive(power, topic, 'power', at(200, 3, 1));
    intake.receive(power, topic, 'power', at(100, 2, 3));
    intake.receive(power, topic, 'power', at(100, 1, 2));
    expect(power.pending).toMatchObject({ epoch: 100, seq: 2 });
    intake.applyPending(power);
    expect(power.pending).toBeUndefined();
    expect(store.view['power']).toEqual({ watts: 3, source: 'grid' });
    expect(counters.applied).toBe(2);
    expect(calls).toEqual(['applied power', 'applied power']);
  });

  it('drops a pending envelope whose state is not valid', () => {
    const { store, intake, power } = setup();
    keepPending(power, envelope(5, 1, { watts: -1 }));
    intake.applyPending(power);
    expect(power.pending).toBeUndefined();
    expect(store.view['power']).toBeUndefined();
  });

  it('keepPending ignores the applied instance and older seqs of the pending one, and takes a newer instance', () => {
    const { power } = setup();
    power.epoch = 10;
    keepPending(power, envelope(10, 9));
    expect(power.pending).toBeUndefined();
    keepPending(power, envelope(20, 5));
    keepPending(power, envelope(20, 4));
    expect(power.pending).toMatchObject({ epoch: 20, seq: 5 });
    keepPending(power, envelope(30, 1));
    expect(power.pending).toMatchObject({ epoch: 30, seq: 1 });
  });
});
