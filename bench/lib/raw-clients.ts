/**
 * The raw baselines: what a user would write without Chinook. mqtt.js, ioredis or the
 * NATS client's key-value API, and JSON.stringify / JSON.parse, nothing else. TCP_NODELAY is on for every raw client (ioredis
 * sets it by default; for mqtt.js we hand it a socket with noDelay), so the comparison with
 * Chinook's adapters, which also turn Nagle off, is fair.
 */
import net from 'node:net';
import { MqttClient, type IClientOptions } from 'mqtt';
import { Redis } from 'ioredis';
import { withTimeout } from './processes.js';

export interface RawMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retained: boolean;
}

export interface RawClient {
  /** Publish retained at QoS 1 (MQTT), or SET + PUBLISH in one MULTI (Redis: the same "retained" meaning). */
  publish(topic: string, payload: string | Buffer): Promise<void>;
  /** MQTT pattern (`+`, `#`); on Redis, `+`/`#` become `*` in a PSUBSCRIBE. */
  subscribe(pattern: string): Promise<void>;
  /** Redis and NATS: read the retained keys matching the pattern (SCAN + MGET; a KV watch's initial values), delivered as retained messages. */
  readRetained?(pattern: string): Promise<number>;
  onMessage(listener: (message: RawMessage) => void): void;
  close(): Promise<void>;
}

export interface RawClientOptions {
  readonly clientId: string;
  readonly keepaliveSeconds?: number;
  readonly will?: { readonly topic: string; readonly payload: string };
}

export async function connectRawClient(url: string, options: RawClientOptions): Promise<RawClient> {
  if (url.startsWith('nats')) return connectRawNats(url);
  return url.startsWith('redis') ? connectRawRedis(url) : connectRawMqtt(url, options);
}

export async function connectRawMqtt(url: string, options: RawClientOptions): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const clientOptions: IClientOptions = {
    clientId: options.clientId,
    protocolVersion: 4,
    clean: true,
    keepalive: options.keepaliveSeconds ?? 10,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    manualConnect: true,
    ...(options.will ? { will: { topic: options.will.topic, payload: Buffer.from(options.will.payload), qos: 1 as const, retain: true } } : {}),
  };
  const client = new MqttClient(() => net.createConnection({ host: hostname, port: Number(port), noDelay: true }), clientOptions);
  const listeners: ((message: RawMessage) => void)[] = [];
  client.on('message', (topic, payload, packet) => {
    for (const listener of listeners) listener({ topic, payload, retained: packet.retain });
  });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.connect();
    }),
    6_000,
    `raw MQTT connection to ${url}`,
  );
  return {
    async publish(topic, payload) {
      await client.publishAsync(topic, payload, { qos: 1, retain: true });
    },
    async subscribe(pattern) {
      await client.subscribeAsync(pattern, { qos: 1 });
    },
    onMessage(listener) {
      listeners.push(listener);
    },
    async close() {
      await new Promise<void>((resolve) => client.end(true, () => resolve()));
    },
  };
}

function toRedisGlob(pattern: string): string {
  return pattern.replace(/[+#]/g, '*');
}

export async function connectRawRedis(url: string): Promise<RawClient> {
  const options = { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null };
  const pub = new Redis(url, options);
  const sub = new Redis(url, options);
  pub.on('error', () => {});
  sub.on('error', () => {});
  await withTimeout(Promise.all([pub.connect(), sub.connect()]), 6_000, `raw Redis connection to ${url}`);
  const listeners: ((message: RawMessage) => void)[] = [];
  const deliver = (message: RawMessage): void => {
    for (const listener of listeners) listener(message);
  };
  sub.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, payload: Buffer) => {
    deliver({ topic: channel.toString(), payload, retained: false });
  });
  return {
    async publish(topic, payload) {
      await pub.multi().set(topic, payload).publish(topic, payload).exec();
    },
    async subscribe(pattern) {
      await sub.psubscribe(toRedisGlob(pattern));
    },
    async readRetained(pattern) {
      const glob = toRedisGlob(pattern);
      let cursor = '0';
      let count = 0;
      do {
        const [next, keys] = await pub.scan(cursor, 'MATCH', glob, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) {
          const values = await pub.mgetBuffer(...keys);
          keys.forEach((key, i) => {
            const value = values[i];
            if (value) {
              count++;
              deliver({ topic: key, payload: value, retained: true });
            }
          });
        }
      } while (cursor !== '0');
      return count;
    },
    onMessage(listener) {
      listeners.push(listener);
    },
    async close() {
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/**
 * NATS: a retained publish is a KV put (the bucket and key named as Chinook's mapping names
 * them, so both sides move the same bytes through the same buckets); a subscription is a core
 * subscription to the bucket's subjects; the late read is a KV watch's initial values.
 */
export async function connectRawNats(url: string): Promise<RawClient> {
  const [{ connect }, { jetstream }, { Kvm }, mapping] = await Promise.all([
    import('@nats-io/transport-node'),
    import('@nats-io/jetstream'),
    import('@nats-io/kv'),
    import('../../src/bus/nats-mapping.js'),
  ]);
  const { servers, replicas } = mapping.parseNatsUrl(url);
  const nc = await withTimeout(connect({ servers: [...servers] }), 6_000, `raw NATS connection to ${url}`);
  const kvm = new Kvm(jetstream(nc));
  const buckets = new Map<string, ReturnType<typeof kvm.create>>();
  const bucket = (name: string): ReturnType<typeof kvm.create> => {
    if (!buckets.has(name)) buckets.set(name, kvm.create(name, { history: 1, replicas }));
    return buckets.get(name)!;
  };
  const listeners: ((message: RawMessage) => void)[] = [];
  const deliver = (message: RawMessage): void => {
    for (const listener of listeners) listener(message);
  };
  const plan = (pattern: string): { bucket: string; keyFilter: string } => {
    const p = mapping.planSubscription(pattern);
    if (p.kind !== 'bucket') throw new Error(`raw NATS baseline: ${pattern} spans buckets`);
    return p;
  };
  return {
    async publish(topic, payload) {
      const { bucket: name, key } = mapping.topicToKv(topic);
      await (await bucket(name)).put(key, payload);
    },
    async subscribe(pattern) {
      const { bucket: name, keyFilter } = plan(pattern);
      nc.subscribe(`$KV.${name}.${keyFilter}`, {
        callback: (_error, m) => deliver({ topic: mapping.subjectToTopic(m.subject)!, payload: Buffer.from(m.data), retained: false }),
      });
      await nc.flush();
      // flush() confirms the subscription on this node only; on a cluster the interest reaches
      // the other nodes a moment later, and what is published meanwhile is not routed here.
      if (servers.length > 1) await new Promise((r) => setTimeout(r, 250));
    },
    async readRetained(pattern) {
      const { bucket: name, keyFilter } = plan(pattern);
      const kv = await bucket(name);
      if ((await kv.status()).values === 0) return 0;
      let count = 0;
      for await (const entry of await kv.watch({ key: keyFilter })) {
        if (entry.operation === 'PUT') {
          count++;
          deliver({ topic: mapping.subjectToTopic(`$KV.${name}.${entry.key}`)!, payload: Buffer.from(entry.value), retained: true });
        }
        if (entry.delta === 0) break;
      }
      return count;
    },
    onMessage(listener) {
      listeners.push(listener);
    },
    async close() {
      await nc.close();
    },
  };
}
