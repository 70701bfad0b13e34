import { describe, expect, it } from 'vitest';
import { SEQ_CEILING, orderEnvelope, statusApplies } from '../../../src/runtime/ordering.js';

describe('ordering of envelopes', () => {
  const held = { epoch: 100, seq: 5, ownerEpoch: 100 };
  it('applies anything first, then a higher seq of the same epoch; equal is a duplicate, lower is stale', () => {
    expect(orderEnvelope({ epoch: -1, seq: 0 }, 7, 1, true)).toBe('apply');
    expect(orderEnvelope(held, 100, 6, true)).toBe('apply');
    expect(orderEnvelope(held, 100, 5, true)).toBe('duplicate');
    expect(orderEnvelope(held, 100, 4, true)).toBe('stale');
    expect(orderEnvelope({ ...held, ownEpoch: 100 }, 100, 4, true)).toBe('duplicate');
  });

  it('applies the epoch of the owner\'s current online instance, whatever the clock said', () => {
    expect(orderEnvelope({ epoch: 900, seq: 5, ownerEpoch: 50 }, 50, 1, true)).toBe('apply');
    // Another instance, not the online one: wall-clock order between instances.
    expect(orderEnvelope(held, 200, 1, true)).toBe('apply');
    expect(orderEnvelope(held, 50, 1, true)).toBe('stale');
    expect(orderEnvelope({ epoch: 200, seq: 1, ownerEpoch: 100 }, 100, 6, true)).toBe('apply');
  });

  it('gives up a seq no owner reaches only after the owner re-asserted itself, and only for a live envelope', () => {
    const forged = { epoch: 100, seq: Number.MAX_SAFE_INTEGER, ownerEpoch: 100 };
    expect(orderEnvelope(forged, 100, 6, true)).toBe('stale');
    expect(orderEnvelope({ ...forged, reopened: true }, 100, 6, true)).toBe('apply');
    expect(orderEnvelope({ ...forged, reopened: true }, 100, 6, false)).toBe('stale');
    expect(orderEnvelope({ ...forged, seq: SEQ_CEILING - 1, reopened: true }, 100, 6, true)).toBe('stale');
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
