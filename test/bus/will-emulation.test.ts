/**
 * The will emulation's timing, against a fake store: when it refreshes, when it sweeps,
 * and that it trusts expiry notices only while the store verifies them (issue 12: a
 * restarted Redis forgets them, and the sweep must take over).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWillEmulation, type LivenessStore } from '../../src/bus/will-emulation.js';
import { enableExpiryNotifications, flagsNotifyExpiry, withExpiryFlags } from '../../src/bus/redis-liveness.js';
import type { Redis } from 'ioredis';

function fakeStore(listening: boolean[]) {
  const calls = { keepAlive: 0, sweep: 0, forget: 0, listen: 0 };
  const store: LivenessStore = {
    keepAlive: async () => void calls.keepAlive++,
    sweep: async () => void calls.sweep++,
    forget: async () => void calls.forget++,
    listen: async () => listening[Math.min(calls.listen++, listening.length - 1)]!,
  };
  return { store, calls };
}

describe('will emulation', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('registers the will on connect and refreshes it every keepalive/3', async () => {
    const { store, calls } = fakeStore([true]);
    const will = createWillEmulation({ store, keepaliveMs: 3_000, hasWill: true, isConnected: () => true, report: () => {} });
    await will.onConnect();
    expect(calls.keepAlive).toBe(1);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls.keepAlive).toBe(4);
    will.stop();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls.keepAlive).toBe(4);
  });

  it('does not sweep periodically while notices are verified; sweeps when a reconnect finds them gone', async () => {
    const { store, calls } = fakeStore([true, false, true]);
    const will = createWillEmulation({ store, keepaliveMs: 1_000, hasWill: false, isConnected: () => true, report: () => {} });
    await will.onConnect();
    expect(will.notified).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls.sweep).toBe(0);
    // The server restarted and forgot the setting: the next connect must notice and sweep.
    await will.onConnect();
    expect(will.notified).toBe(false);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls.sweep).toBe(3);
    // Back on: the periodic sweep stops again.
    await will.onConnect();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls.sweep).toBe(3);
    expect(calls.listen).toBe(3);
    will.stop();
  });

  it('treats a failing listen as no notices, and never refreshes or sweeps while disconnected', async () => {
    const { store, calls } = fakeStore([false]);
    store.listen = () => Promise.reject(new Error('CONFIG forbidden'));
    let connected = true;
    const will = createWillEmulation({ store, keepaliveMs: 1_000, hasWill: true, isConnected: () => connected, report: () => {} });
    await will.onConnect();
    expect(will.notified).toBe(false);
    connected = false;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls).toMatchObject({ sweep: 0, keepAlive: 1 });
    will.stop();
  });

  it('a clean close forgets the will; a client without a will never registers or forgets one', async () => {
    const withWill = fakeStore([true]);
    const a = createWillEmulation({ store: withWill.store, keepaliveMs: 1_000, hasWill: true, isConnected: () => true, report: () => {} });
    await a.onConnect();
    await a.forget();
    expect(withWill.calls.forget).toBe(1);
    const without = fakeStore([true]);
    const b = createWillEmulation({ store: without.store, keepaliveMs: 1_000, hasWill: false, isConnected: () => true, report: () => {} });
    await b.onConnect();
    await vi.advanceTimersByTimeAsync(2_000);
    await b.forget();
    expect(without.calls).toMatchObject({ keepAlive: 0, forget: 0 });
  });

  it('an observer turns nothing on and sweeps nothing: no listen, no refresh, no sweep', async () => {
    const { store, calls } = fakeStore([false]);
    const will = createWillEmulation({ store, keepaliveMs: 1_000, hasWill: false, isConnected: () => true, report: () => {}, observer: true });
    await will.onConnect();
    will.sweepOnce();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toEqual({ keepAlive: 0, sweep: 0, forget: 0, listen: 0 });
    will.stop();
  });

  it('reports a failing sweep instead of throwing', async () => {
    const { store } = fakeStore([false]);
    store.sweep = () => Promise.reject(new Error('boom'));
    const errors: unknown[] = [];
    const will = createWillEmulation({ store, keepaliveMs: 1_000, hasWill: false, isConnected: () => true, report: (e) => errors.push(e) });
    await will.onConnect();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toHaveLength(1);
    will.stop();
  });
});

describe('Redis expiry notices', () => {
  it.each([
    ['', false],
    ['Ex', true],
    ['xE', true],
    ['EA', true],
    ['Kx', false],
    ['KEA', true],
  ])('flags %j notify expiries: %s', (flags, expected) => {
    expect(flagsNotifyExpiry(flags)).toBe(expected);
    expect(flagsNotifyExpiry(withExpiryFlags(flags))).toBe(true);
  });

  it('keeps flags someone else set', () => {
    expect(withExpiryFlags('Kg')).toBe('KgEx');
    expect(withExpiryFlags('KA')).toBe('KAE');
  });

  /** A fake connection whose CONFIG SET is accepted but may not take (read back tells). */
  const fakeRedis = (takes: boolean, forbidden = false) => {
    let flags = '';
    return {
      config: async (op: string, _name: string, value?: string) => {
        if (forbidden) throw new Error("ERR unknown command 'CONFIG'");
        if (op === 'SET' && takes) flags = value!;
        return op === 'GET' ? ['notify-keyspace-events', flags] : 'OK';
      },
    } as unknown as Redis;
  };

  it('trusts the setting only when reading it back confirms it', async () => {
    expect(await enableExpiryNotifications(fakeRedis(true))).toBe(true);
    expect(await enableExpiryNotifications(fakeRedis(false))).toBe(false);
    expect(await enableExpiryNotifications(fakeRedis(true, true))).toBe(false);
  });
});
