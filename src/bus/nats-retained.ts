/**
 * The NATS adapter's retained read: the current value of every key a set of MQTT patterns
 * matches, read from the key-value buckets as a KV watch reads its initial values — an
 * ordered consumer delivering the last message per subject — and stopped once they are all
 * in. Each topic is delivered once, as retained; deleted keys are skipped.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Kvm } from '@nats-io/kv';
import { matchesTopic, type BusMessage } from './bus.js';
import { decodeBucket, directoryMayMatch, KV_SUBJECT_PREFIX, planSubscription, subjectToTopic } from './nats-mapping.js';

/** The jetstream module's values this file needs (the module is loaded lazily by the adapter). */
export interface JetStreamRuntime {
  readonly DeliverPolicy: { readonly LastPerSubject: string };
}

export interface RetainedReadContext {
  readonly js: JetStreamClient;
  readonly kvm: Kvm;
  readonly jetstream: JetStreamRuntime;
  /** A read taking longer fails (the caller reports it) rather than hanging a subscribe. */
  readonly timeoutMs: number;
}

/** Bucket → key filter (`*`, one key, or `>` for several patterns on one bucket). */
async function bucketsToRead(context: RetainedReadContext, patterns: readonly string[]): Promise<Map<string, string>> {
  const reads = new Map<string, string>();
  let scanning = false;
  for (const pattern of patterns) {
    const plan = planSubscription(pattern);
    if (plan.kind === 'scan') scanning = true;
    else reads.set(plan.bucket, reads.has(plan.bucket) && reads.get(plan.bucket) !== plan.keyFilter ? '>' : plan.keyFilter);
  }
  if (scanning) {
    for await (const status of context.kvm.list()) {
      const dir = decodeBucket(status.bucket);
      if (dir !== undefined && patterns.some((p) => directoryMayMatch(p, dir))) reads.set(status.bucket, '>');
    }
  }
  return reads;
}

const isMissingStream = (error: unknown): boolean => /stream not found|no responders/i.test(String((error as Error)?.message ?? error));

/** Reads the last value of each key of one bucket under `keyFilter`. */
async function readBucket(context: RetainedReadContext, bucket: string, keyFilter: string, found: (subject: string, payload: Uint8Array) => void): Promise<void> {
  let consumer;
  try {
    consumer = await context.js.consumers.get(`KV_${bucket}`, {
      filter_subjects: `${KV_SUBJECT_PREFIX}${bucket}.${keyFilter}`,
      deliver_policy: context.jetstream.DeliverPolicy.LastPerSubject as never,
    });
  } catch (error) {
    // Nobody published to this bucket yet: nothing is retained.
    if (isMissingStream(error)) return;
    throw error;
  }
  const expected = (await consumer.info()).num_pending;
  if (expected === 0) return;
  const messages = await consumer.consume({ max_messages: 1_000 });
  let received = 0;
  for await (const m of messages) {
    const operation = m.headers?.get('KV-Operation');
    if (operation !== 'DEL' && operation !== 'PURGE') found(m.subject, m.data);
    // Stop at the values that were there when the read began (as a watch's initial values).
    if (++received >= expected || m.info.pending === 0) break;
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Reads every retained topic any of `patterns` matches and delivers each once, as retained. */
export async function readRetainedBuckets(context: RetainedReadContext, patterns: readonly string[], deliver: (message: BusMessage) => void): Promise<void> {
  if (patterns.length === 0) return;
  const seen = new Set<string>();
  const found = (subject: string, payload: Uint8Array): void => {
    const topic = subjectToTopic(subject);
    if (topic === undefined || seen.has(topic) || !patterns.some((p) => matchesTopic(p, topic))) return;
    seen.add(topic);
    deliver({ topic, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), retained: true });
  };
  const work = (async () => {
    const reads = await bucketsToRead(context, patterns);
    await Promise.all([...reads].map(([bucket, filter]) => readBucket(context, bucket, filter, found)));
  })();
  await withTimeout(work, context.timeoutMs, 'reading the retained values');
}
