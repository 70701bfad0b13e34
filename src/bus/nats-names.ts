/**
 * The NATS names of topics, remembered: every publish turns its topic into a bucket, a key and
 * a subject, and every message received turns its subject back into a topic (nats-mapping.ts,
 * byte by byte). A system has a few dozen topics, so one bus instance keeps each answer: it
 * cut ≈6 µs of CPU per update (two conversions per publish, one per delivery) in the update
 * profile (docs/performance.md). Bounded: past `maxEntries` distinct names a table starts
 * over, so a flood of odd subjects costs time, never memory.
 */
import { KV_SUBJECT_PREFIX, LIVE_SUBJECT_PREFIX, subjectToTopic, topicToKv, type KvAddress } from './nats-mapping.js';

export interface NatsAddress extends KvAddress {
  /** `$KV.<bucket>.<key>`: where a retained publish goes. */
  readonly retainedSubject: string;
  /** `chinook.live.<bucket>.<key>`: where a non-retained one goes. */
  readonly liveSubject: string;
}

export interface NatsNames {
  address(topic: string): NatsAddress;
  /** The topic of a subject; undefined for a subject no topic maps to. */
  topicOf(subject: string): string | undefined;
}

export const DEFAULT_MAX_NAMES = 10_000;

function remembered<V>(maxEntries: number, compute: (key: string) => V): (key: string) => V {
  const table = new Map<string, V>();
  return (key) => {
    const known = table.get(key);
    if (known !== undefined || table.has(key)) return known as V;
    if (table.size >= maxEntries) table.clear();
    const value = compute(key);
    table.set(key, value);
    return value;
  };
}

export function createNatsNames(maxEntries = DEFAULT_MAX_NAMES): NatsNames {
  return {
    address: remembered(maxEntries, (topic) => {
      const { bucket, key } = topicToKv(topic);
      return { bucket, key, retainedSubject: `${KV_SUBJECT_PREFIX}${bucket}.${key}`, liveSubject: `${LIVE_SUBJECT_PREFIX}${bucket}.${key}` };
    }),
    topicOf: remembered(maxEntries, subjectToTopic),
  };
}
