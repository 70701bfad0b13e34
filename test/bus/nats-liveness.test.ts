/**
 * The NATS liveness store against an in-memory stand-in for a KV bucket with the one property
 * it relies on: a delete with `previousSeq` succeeds only at that revision. Two watchers that
 * sweep at the same instant (neither has seen the other's delete yet) fire a will once.
 */
import type { KV, Kvm, KvWatchEntry } from '@nats-io/kv';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createNatsLiveness } from '../../src/bus/nats-liveness.js';

function fakeBucket() {
  let revision = 0;
  const entries = new Map<string, { revision: number; value: string | undefined }>();
  const watchers: ((entry: KvWatchEntry) => void)[] = [];
  const notify = (key: string): void => {
    const e = entries.get(key)!;
    const entry = {
      key,
      revision: e.revision,
      operation: e.value === undefined ? 'DEL' : 'PUT',
      json: () => JSON.parse(e.value!),
    } as unknown as KvWatchEntry;
    for (const w of watchers) w(entry);
  };
  const kv = {
    async put(key: string, value: string) {
      entries.set(key, { revision: ++revision, value });
      notify(key);
      return revision;
    },
    async delete(key: string, options?: { previousSeq?: number }) {
      if (options?.previousSeq !== undefined && entries.get(key)?.revision !== options.previousSeq) throw new Error('wrong last sequence');
      entries.set(key, { revision: ++revision, value: undefined });
      notify(key);
    },
    async watch() {
      const queue: KvWatchEntry[] = [];
      let wake: (() => void) | undefined;
      watchers.push((e) => {
        queue.push(e);
        wake?.();
      });
      for (const key of entries.keys()) if (entries.get(key)!.value !== undefined) queue.push({ key, revision: entries.get(key)!.revision, operation: 'PUT', json: () => JSON.parse(entries.get(key)!.value!) } as unknown as KvWatchEntry);
      return {
        stop() {},
        async *[Symbol.asyncIterator]() {
          for (;;) {
            while (queue.length > 0) yield queue.shift()!;
            await new Promise<void>((r) => (wake = r));
          }
        },
      };
    },
  };
  const kvm = { create: async () => kv as unknown as KV, open: async () => kv as unknown as KV } as unknown as Kvm;
  return { kvm, entries };
}

describe('NATS liveness', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['performance'] }));
  afterEach(() => vi.useRealTimers());

  const store = (kvm: Kvm, clientId: string, fired: string[], will = false) =>
    createNatsLiveness({
      clientId,
      will: will ? { topic: `s/status/${clientId}`, payload: Buffer.from('offline') } : undefined,
      keepaliveMs: 1_000,
      replicas: 1,
      kvm: () => kvm,
      publishWill: async (topic) => void fired.push(topic),
      report: () => {},
    });

  it('two watchers sweeping at once fire a dead client\'s will once; a refreshed client is not fired', async () => {
    const { kvm } = fakeBucket();
    const fired: string[] = [];
    const dead = store(kvm, 'dead', fired, true);
    const live = store(kvm, 'live', fired, true);
    const a = store(kvm, 'a', fired);
    const b = store(kvm, 'b', fired);
    await Promise.all([a.listen(), b.listen()]);
    await dead.keepAlive();
    await live.keepAlive();
    await vi.advanceTimersByTimeAsync(0);
    vi.advanceTimersByTime(700);
    await live.keepAlive();
    vi.advanceTimersByTime(700);
    // Both sweep in the same turn: neither has seen the other's delete.
    await Promise.all([a.sweep(), b.sweep()]);
    expect(fired).toEqual(['s/status/dead']);
  });

  it('a clean close (forget) leaves nothing to fire; a watcher never fires its own will', async () => {
    const { kvm } = fakeBucket();
    const fired: string[] = [];
    const leaving = store(kvm, 'leaving', fired, true);
    const self = store(kvm, 'self', fired, true);
    await self.listen();
    await leaving.keepAlive();
    await self.keepAlive();
    await leaving.forget();
    await vi.advanceTimersByTimeAsync(0);
    vi.advanceTimersByTime(5_000);
    await self.sweep();
    expect(fired).toEqual([]);
  });
});
