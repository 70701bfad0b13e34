import { describe, expect, it } from 'vitest';
import { SEQ_CEILING, orderEnvelope, statusApplies } from '../../../src/runtime/ordering.js';

describe('ordering of envelopes', () => {
  const held = { epoch: 100, seq: 5, ownerEpoch: 100 };
  it('applies anything first, then a higher seq of the same epoch; equal is a duplicate, lower is stale', () => {
    expect(orderEnvelope({ epoch: -1, seq: 0 }, 7, 1)).toBe('apply');
    expect(orderEnvelope(held, 100, 6)).toBe('apply');
    expect(orderEnvelope(held, 100, 5)).toBe('duplicate');
    expect(orderEnvelope(held, 100, 4)).toBe('stale');
    expect(orderEnvelope({ ...held, ownEpoch: 100 }, 100, 4)).toBe('duplicate');
  });

  it("applies the epoch of the owner's current online instance, whatever the clock said", () => {
    expect(orderEnvelope({ epoch: 900, seq: 5, ownerEpoch: 50, ownerOnline: true }, 50, 1)).toBe('apply');
    expect(orderEnvelope({ epoch: 200, seq: 1, ownerEpoch: 100, ownerOnline: true }, 100, 6)).toBe('apply');
  });

  it('while the owner is online, no other instance applies: a future epoch is a forgery (kept aside, not applied)', () => {
    const online = { ...held, ownerOnline: true };
    expect(orderEnvelope(online, 200, 1)).toBe('stale');
    expect(orderEnvelope(online, 50, 1)).toBe('stale');
    // A late joiner too, once it knows who is online.
    expect(orderEnvelope({ epoch: -1, seq: 0, ownerEpoch: 100, ownerOnline: true }, 200, 1)).toBe('stale');
    // An earlier instance's retained state is still the last known state.
    expect(orderEnvelope({ epoch: -1, seq: 0, ownerEpoch: 100, ownerOnline: true }, 50, 9)).toBe('apply');
  });

  it('with the owner offline or unknown, instances are ordered by epoch (wall clock)', () => {
    expect(orderEnvelope(held, 200, 1)).toBe('apply');
    expect(orderEnvelope(held, 50, 1)).toBe('stale');
    expect(orderEnvelope({ ...held, ownerOnline: false }, 200, 1)).toBe('apply');
  });

  it('never applies a seq no owner reaches, so nobody is left holding one', () => {
    expect(orderEnvelope({ epoch: -1, seq: 0 }, 100, Number.MAX_SAFE_INTEGER)).toBe('stale');
    expect(orderEnvelope(held, 100, SEQ_CEILING)).toBe('stale');
    expect(orderEnvelope(held, 100, SEQ_CEILING - 1)).toBe('apply');
  });
});

describe('ordering of statuses', () => {
  it('applies every online, and an offline unless it is older than the current online', () => {
    expect(statusApplies(undefined, 'offline', 1)).toBe(true);
    expect(statusApplies({ status: 'online', onlineEpoch: 100 }, 'online', 5)).toBe(true);
    expect(statusApplies({ status: 'online', onlineEpoch: 100 }, 'offline', 99)).toBe(false);
    expect(statusApplies({ status: 'online', onlineEpoch: 100 }, 'offline', 100)).toBe(true);
    expect(statusApplies({ status: 'online', onlineEpoch: 100 }, 'offline', 101)).toBe(true);
    expect(statusApplies({ status: 'offline', onlineEpoch: -1 }, 'offline', 1)).toBe(true);
  });
});
