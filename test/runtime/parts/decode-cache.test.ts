import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDecodeCache, decodeCacheOf, joinDecodeSharing } from '../../../src/runtime/decode-cache.js';
import {
  createMemoryBroker,
  createMemoryBus,
  createService,
  decodeEnvelope,
  encodeEnvelope,
  type ServiceContext,
} from '../../../src/runtime/index.js';
import { createStore } from '../../../src/runtime/store.js';
import { createTestSystem, waitFor, type LightingTypes, type PowerTypes } from '../fixtures.js';

const power = (seq: number, watts: unknown = 1): Buffer =>
  encodeEnvelope({ domain: 'power', owner: 'power-service', version: 1, epoch: 10, seq, time: 0, state: { watts, source: 'grid' } });

/** Two services' memory of domain `power` (two stores of one system), and a fresh copy of some bytes per service, as two connections deliver them. */
function twoReceivers() {
  const system = createTestSystem();
  const [a, b] = [createStore(system).domains.get('power')!, createStore(system).domains.get('power')!];
  return { system, a, b, copy: (bytes: Buffer) => Buffer.from(bytes) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('decode cache: one decode per process', () => {
  it('parses and validates identical bytes once for all services, and shares the state deep-frozen', () => {
    const { system, a, b, copy } = twoReceivers();
    const cache = createDecodeCache();
    const parse = vi.spyOn(JSON, 'parse');
    const is = vi.spyOn(system.domains['power']!, 'is');
    const first = cache.decode(copy(power(1)), 'power', a, 1024);
    const second = cache.decode(copy(power(1)), 'power', b, 1024);
    expect(first.ok && !first.duplicate && second.ok && !second.duplicate).toBe(true);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(is).toHaveBeenCalledTimes(1);
    const state = first.ok ? (first.envelope.state as { watts: number }) : undefined;
    expect(second.ok && second.envelope.state).toBe(state);
    expect(Object.isFrozen(state)).toBe(true);
    expect(() => {
      (state as { watts: number }).watts = 5;
    }).toThrow(TypeError);
    expect(cache.stats).toEqual({ hits: 1, misses: 1 });
  });

  it('keeps ordering, size limit and verdicts per service, exactly as decodeEnvelope does', () => {
    const { a, b, copy } = twoReceivers();
    const cache = createDecodeCache();
    a.epoch = 10;
    a.seq = 5;
    const cases: [Buffer, number][] = [[power(3), 1024], [power(5), 1024], [power(6, -1), 1024], [power(7), 10], [Buffer.from('nope'), 1024]];
    for (const [bytes, limit] of cases) {
      for (const target of [a, b]) {
        const expected = decodeEnvelope(copy(bytes), 'power', target, limit);
        const got = cache.decode(copy(bytes), 'power', target, limit);
        expect({ ok: got.ok, reason: got.ok ? undefined : got.reason, duplicate: got.ok ? got.duplicate : undefined }).toEqual({
          ok: expected.ok,
          reason: expected.ok ? undefined : expected.reason,
          duplicate: expected.ok ? expected.duplicate : undefined,
        });
      }
    }
  });

  it('never validates for a service to which the envelope is a duplicate or stale; validates an invalid state once for all', () => {
    const { system, a, b, copy } = twoReceivers();
    const cache = createDecodeCache();
    const is = vi.spyOn(system.domains['power']!, 'is');
    a.epoch = 10;
    a.seq = 4;
    b.epoch = 10;
    b.seq = 4;
    expect(cache.decode(copy(power(4)), 'power', a, 1024)).toMatchObject({ ok: true, duplicate: true });
    expect(cache.decode(copy(power(3)), 'power', b, 1024)).toMatchObject({ ok: false, reason: 'stale' });
    expect(is).not.toHaveBeenCalled();
    const bad = cache.decode(copy(power(9, 'lots')), 'power', a, 1024);
    expect(bad).toMatchObject({ ok: false, reason: 'schema-invalid' });
    expect(cache.decode(copy(power(9, 'lots')), 'power', b, 1024)).toMatchObject({ ok: false, reason: 'schema-invalid' });
    expect(is).toHaveBeenCalledTimes(1);
  });

  it('freezes an envelope it did not validate too (a stale one may be kept aside and applied later by several services)', () => {
    const { a, copy } = twoReceivers();
    a.epoch = 10;
    a.seq = 5;
    const stale = createDecodeCache().decode(copy(power(3)), 'power', a, 1024);
    expect(stale).toMatchObject({ ok: false, reason: 'stale' });
    expect(!stale.ok && Object.isFrozen(stale.envelope?.state)).toBe(true);
  });

  it('rejects a 10,000-deep state as schema-invalid, as decodeEnvelope does', () => {
    const { a, copy } = twoReceivers();
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const bytes = Buffer.from(`{"protocol":"chinook/1","domain":"power","owner":"power-service","version":1,"epoch":10,"seq":1,"time":"t","state":${deep}}`);
    expect(decodeEnvelope(copy(bytes), 'power', a, 1024 * 1024)).toMatchObject({ ok: false, reason: 'schema-invalid' });
    expect(createDecodeCache().decode(copy(bytes), 'power', a, 1024 * 1024)).toMatchObject({ ok: false, reason: 'schema-invalid' });
  });

  it('is used only for a domain that two services of the same SystemSpec object in the process receive', () => {
    const system = createTestSystem();
    const owner = joinDecodeSharing(system, 'power-service');
    expect(owner()).toBe(decodeEnvelope);
    expect(decodeCacheOf(system)).toBeUndefined();
    const reader = joinDecodeSharing(system, 'lighting-service');
    expect(reader()).toBe(decodeCacheOf(system)!.decode);
    expect(owner()).toBe(reader());
    expect(joinDecodeSharing(createTestSystem(), 'lighting-service')()).toBe(decodeEnvelope);
    const { a, copy } = twoReceivers();
    const parse = vi.spyOn(JSON, 'parse');
    // power: only lighting-service receives it (the owner never decodes its own domain).
    const alone = reader()(copy(power(1)), 'power', a, 1024);
    expect(alone.ok && Object.isFrozen(alone.envelope.state)).toBe(false);
    joinDecodeSharing(system, 'climate-service');
    const shared = reader()(copy(power(1)), 'power', a, 1024);
    reader()(copy(power(1)), 'power', a, 1024);
    expect(shared.ok && Object.isFrozen(shared.envelope.state)).toBe(true);
    expect(parse).toHaveBeenCalledTimes(2);
  });
});

describe('services sharing a process and a system', () => {
  it('receive one decoded, frozen state; each counts its own deliveries', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    let ctx: ServiceContext<PowerTypes> | undefined;
    const owner = createService<PowerTypes>(system, 'power-service', { onStart: (c) => void (ctx = c) }, { bus: (o) => createMemoryBus(broker, o), log: () => {} });
    await owner.start();
    await ctx!.publish('power', { watts: 1, source: 'grid' });
    const seen: unknown[][] = [[], []];
    const readers = [0, 1].map((i) =>
      createService<LightingTypes>(system, 'lighting-service', { onUpdate: { power: (state) => void seen[i]!.push(state) } }, {
        bus: (o) => createMemoryBus(broker, { ...o, clientId: `lighting-${i}` }),
        log: () => {},
        statusRefreshMs: 0,
      }),
    );
    try {
      await Promise.all(readers.map((r) => r.start()));
      await ctx!.publish('power', { watts: 2, source: 'grid' });
      await waitFor(() => seen.every((s) => s.length >= 1), 'both readers to get the update');
      expect(seen[0]!.at(-1)).toBe(seen[1]!.at(-1));
      expect(Object.isFrozen(seen[0]!.at(-1))).toBe(true);
      expect(readers.map((r) => r.counters().applied)).toEqual([2, 2]);
    } finally {
      await Promise.all([owner, ...readers].map((s) => s.stop()));
    }
  });
});
