/**
 * The NATS side of the will emulation (will-emulation.ts). NATS has no last will and a KV
 * bucket's per-key expiry sends no notice, so:
 *
 * - A client with a will keeps the key `<clientId>` of bucket `chinook-liveness` fresh: it
 *   puts `{ topic, payload (base64), keepaliveMs }` every keepalive/3.
 * - Every client watches that bucket and notes, on its own clock, when each key last changed
 *   (its revision). A key unchanged for longer than its keepalive belongs to a dead client.
 *   No clocks are compared across machines.
 * - Firing the will exactly once: the watcher deletes the key only if it is still at the
 *   revision it saw (compare-and-delete, `previousSeq`); the one whose delete succeeds
 *   publishes the will. A client that refreshed meanwhile changed the revision, so the
 *   delete fails and nothing fires.
 * - A clean close deletes the key: nothing fires.
 *
 * Detection bound: the dead client's keepalive + one sweep period (200 ms, an in-memory check)
 * + the watch's delivery. A watcher that joins later starts its clock at join: it fires after
 * a full keepalive.
 */
import type { KV, Kvm, KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import type { BusWill } from './bus.js';
import { encodeKey, LIVENESS_BUCKET } from './nats-mapping.js';
import type { LivenessStore } from './will-emulation.js';

/** Delete markers of clients gone long ago are dropped after a day. */
const LIVENESS_MAX_AGE_MS = 24 * 60 * 60 * 1000;

interface Tracked {
  readonly revision: number;
  /** performance.now() when this revision was first seen. */
  readonly seenAt: number;
  readonly ttlMs: number;
  readonly topic: string;
  readonly payload: Buffer;
}

interface LivenessValue {
  readonly topic: string;
  readonly payload: string;
  readonly keepaliveMs: number;
}

function parseValue(entry: KvWatchEntry): LivenessValue | undefined {
  try {
    const value = entry.json<LivenessValue>();
    const ok = typeof value?.topic === 'string' && typeof value.payload === 'string' && Number.isFinite(value.keepaliveMs) && value.keepaliveMs > 0;
    return ok ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the bucket, or opens it when another client created it with other settings. */
export async function openBucket(kvm: Kvm, name: string, options: { readonly replicas: number; readonly description: string; readonly ttl?: number }): Promise<KV> {
  try {
    return await kvm.create(name, { history: 1, replicas: options.replicas, description: options.description, ...(options.ttl ? { ttl: options.ttl } : {}) });
  } catch (error) {
    if (!/already in use|different configuration/i.test(String((error as Error).message))) throw error;
    return kvm.open(name, { bindOnly: true });
  }
}

export interface NatsLivenessOptions {
  readonly clientId: string;
  readonly will: BusWill | undefined;
  readonly keepaliveMs: number;
  readonly replicas: number;
  /** The key-value manager of the current connection, if any. */
  readonly kvm: () => Kvm | undefined;
  /** Publishes a dead client's will (retained). */
  readonly publishWill: (topic: string, payload: Buffer) => Promise<void>;
  readonly report: (error: unknown) => void;
}

export interface NatsLiveness extends LivenessStore {
  /** Stops watching (close). */
  stop(): void;
}

export function createNatsLiveness(options: NatsLivenessOptions): NatsLiveness {
  const ownKey = encodeKey(options.clientId);
  const tracked = new Map<string, Tracked>();
  let bucket: Promise<KV> | undefined;
  let watcher: QueuedIterator<KvWatchEntry> | undefined;
  const ownValue = options.will
    ? JSON.stringify({ topic: options.will.topic, payload: Buffer.from(options.will.payload).toString('base64'), keepaliveMs: options.keepaliveMs })
    : undefined;

  const kv = (): Promise<KV> => {
    const kvm = options.kvm();
    if (!kvm) return Promise.reject(new Error('not connected'));
    bucket ??= openBucket(kvm, LIVENESS_BUCKET, { replicas: options.replicas, description: 'chinook will emulation', ttl: LIVENESS_MAX_AGE_MS }).catch((error: unknown) => {
      bucket = undefined;
      throw error;
    });
    return bucket;
  };

  const note = (entry: KvWatchEntry): void => {
    if (entry.operation !== 'PUT') {
      tracked.delete(entry.key);
      return;
    }
    const value = parseValue(entry);
    if (!value) return;
    // The same revision seen again (a watch restarted after a reconnect) keeps its clock.
    if (tracked.get(entry.key)?.revision === entry.revision) return;
    tracked.set(entry.key, { revision: entry.revision, seenAt: performance.now(), ttlMs: value.keepaliveMs, topic: value.topic, payload: Buffer.from(value.payload, 'base64') });
  };

  const fire = async (store: KV, key: string, dead: Tracked): Promise<void> => {
    try {
      await store.delete(key, { previousSeq: dead.revision });
    } catch {
      return; // Another watcher fired it, or the client refreshed: not ours to fire.
    }
    if (tracked.get(key) === dead) tracked.delete(key);
    await options.publishWill(dead.topic, dead.payload);
  };

  return {
    async keepAlive() {
      if (ownValue !== undefined) await (await kv()).put(ownKey, ownValue);
    },
    async forget() {
      if (ownValue !== undefined) await (await kv()).delete(ownKey);
    },
    async sweep() {
      const now = performance.now();
      const dead = [...tracked].filter(([key, t]) => key !== ownKey && now - t.seenAt > t.ttlMs);
      if (dead.length === 0) return;
      const store = await kv();
      await Promise.all(dead.map(([key, t]) => fire(store, key, t)));
    },
    async listen() {
      // Watched anew after every (re)connect: the old watch may not have survived the outage.
      watcher?.stop();
      bucket = undefined;
      const iterator = await (await kv()).watch();
      watcher = iterator;
      (async () => {
        for await (const entry of iterator) note(entry);
      })().catch(options.report);
      // Expiry is noticed by the sweep: there are no pushed notices on NATS.
      return false;
    },
    stop() {
      watcher?.stop();
      watcher = undefined;
    },
  };
}
