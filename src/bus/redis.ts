/**
 * The Redis adapter (ioredis), per the Redis section of PROTOCOL.md.
 *
 * - Retained: a retained publish SETs the key named by the topic and PUBLISHes on the
 *   channel of the same name in one Lua script (atomic, one round trip). An empty retained
 *   payload deletes the key, as an empty retained message clears it on MQTT.
 * - Subscribe-then-read: PSUBSCRIBE first, then SCAN + MGET the matching keys and deliver
 *   them with `retained: true` (redis-retained.ts). An update racing the read can arrive both
 *   live and from the key; the runtime's ordering rule applies it once. Keys are read again
 *   after every reconnect, which recovers whatever pub/sub (at most once) dropped meanwhile.
 *   Subscriptions asked for in the same tick are batched: one PSUBSCRIBE of every glob, then
 *   one SCAN over a glob covering them all, each key delivered once, through whichever
 *   pattern matches it — as a live message is.
 * - Last will: emulated (will-emulation.ts with redis-liveness.ts): alive key with expiry,
 *   expiry events re-enabled and verified on every (re)connect — a restarted Redis forgets
 *   CONFIG SET — or a sweep every keepalive when they cannot be. Detection bound: keepalive +
 *   Redis's expiry lag (~100 ms active expiry cycle, more with very many volatile keys), or
 *   keepalive + one sweep period without notifications. Someone must be connected to notice:
 *   a client sweeps once after each (re)connect, after the reads asked for right after
 *   connecting, so it does not delay them.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { BusError, matchesTopic, type Bus, type BusOptions, type PublishOptions } from './bus.js';
import { createBusListeners, type BusListeners } from './listeners.js';
import { createRedisLiveness, defineLivenessCommands, isDenied, type LivenessRedis, type RedisLiveness } from './redis-liveness.js';
import { readRetainedKeys, toRedisGlob } from './redis-retained.js';
import { asBuffer, connectOnce, notConnected, type Phase } from './phase.js';
import { createReadGate, createSubscribeThenRead, type ReadGate } from './retained-reads.js';
import { redactUrl } from './url.js';
import { emulateWillFor, type WillEmulation } from './will-emulation.js';

export { toCoveringGlob, toRedisGlob } from './redis-retained.js';

export interface RedisBusOptions extends BusOptions {
  /** Extra ioredis options (e.g. `tls: { ca }` for rediss://); the URL gives host, port, user, password, db. */
  readonly redis?: Omit<RedisOptions, 'replyMapping'>;
}

/** Loaded on first use (importing chinook-ipc/runtime must not pay for every adapter), and once: not resolved again per connect. */
const importIoredis = () => import('ioredis');
let ioredisModule: ReturnType<typeof importIoredis> | undefined;

/** SET + PUBLISH atomically; an empty payload clears the retained key. */
const PUBLISH_RETAINED = `
if string.len(ARGV[1]) == 0 then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[1]) end
return redis.call('PUBLISH', KEYS[1], ARGV[1])`;

interface ChinookRedis extends LivenessRedis {
  chinookPublishRetained(key: string, payload: Buffer): Promise<number>;
}

function parseDb(url: string): number {
  try {
    const db = new URL(url).pathname.replace(/^\//, '');
    return db === '' ? 0 : Number(db);
  } catch {
    throw new BusError(`\`${redactUrl(url)}\` is not a valid URL (expected redis://host:port)`, 'bus-url-invalid');
  }
}

function urlUser(url: string): string | undefined {
  try {
    const name = decodeURIComponent(new URL(url).username);
    // A user name holding `/` would reach into another user's keys: not used for them.
    return name === '' || name.includes('/') ? undefined : name;
  } catch {
    return undefined;
  }
}

function describeTarget(url: string): string {
  // Never print credentials.
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'redis';
  }
}

/** What one Redis bus holds; the functions below share it. */
interface RedisBusState {
  readonly url: string;
  readonly where: string;
  readonly options: RedisBusOptions;
  readonly redisOptions: Omit<RedisOptions, 'replyMapping'>;
  readonly expiredChannel: string;
  readonly listeners: BusListeners;
  /** MQTT pattern → glob, in subscription order. */
  readonly patterns: Map<string, string>;
  readonly reads: ReadGate;
  readonly liveness: RedisLiveness;
  readonly will: WillEmulation;
  phase: Phase;
  cmd?: ChinookRedis;
  sub?: Redis;
  /** The latest connection error: ioredis rejects connect() with a generic one. */
  lastError?: Error;
}

function report(state: RedisBusState, error: unknown): void {
  if (state.phase !== 'closed') state.listeners.emit({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
}

function onPmessage(state: RedisBusState, glob: string, channel: Buffer, payload: Buffer): void {
  const topic = channel.toString();
  // Deliver once per message, through the first subscribed pattern that really matches it.
  for (const [pattern, patternGlob] of state.patterns) {
    if (matchesTopic(pattern, topic)) {
      if (patternGlob === glob) state.listeners.deliver({ topic, payload, retained: false });
      return;
    }
  }
}

const readRetained = (state: RedisBusState, wanted: readonly string[]): Promise<void> =>
  state.cmd ? readRetainedKeys(state.cmd, wanted, state.listeners.deliver) : Promise.resolve();

/**
 * After the first connection and every reconnect: liveness (will registered, expiry events
 * re-established and verified) and subscriptions, sent together; then the keys again.
 * The will exists before `connect` is emitted, so before anyone publishes `online`.
 */
async function afterConnect(state: RedisBusState): Promise<void> {
  const s = state.sub!;
  await Promise.all([
    state.will.onConnect(),
    // An observer fires no one's will: it does not listen for expiries either.
    state.options.observer ? undefined : s.subscribe(state.expiredChannel),
    state.patterns.size > 0 ? s.psubscribe(...new Set(state.patterns.values())) : undefined,
  ]);
  if (state.phase === 'closed') return;
  const reconnect = state.phase === 'down';
  state.phase = 'up';
  state.listeners.emit({ type: 'connect', reconnect });
  const rereading = reconnect && state.patterns.size > 0 ? state.reads.track(() => readRetained(state, [...state.patterns.keys()])) : undefined;
  state.reads.afterReads(() => state.will.sweepOnce());
  await rereading;
}

function wire(state: RedisBusState, c: ChinookRedis, s: Redis): void {
  let cmdReady = false;
  let subReady = false;
  let settling = false;
  const maybeReady = (): void => {
    if (state.phase !== 'down' || settling || !cmdReady || !subReady) return;
    settling = true;
    afterConnect(state)
      .catch((error: unknown) => report(state, error))
      .finally(() => (settling = false));
  };
  const lost = (): void => {
    if (state.phase !== 'up') return;
    state.phase = 'down';
    state.listeners.emit({ type: 'disconnect', reason: `connection to Redis at ${state.where} lost` });
  };
  c.on('ready', () => ((cmdReady = true), maybeReady()));
  s.on('ready', () => ((subReady = true), maybeReady()));
  c.on('close', () => ((cmdReady = false), lost()));
  s.on('close', () => ((subReady = false), lost()));
  // ioredis reports every failed reconnect attempt; after the first connection these
  // are expected while the server is away, so only the disconnect event is shown.
  c.on('error', (error: Error) => (state.lastError = error));
  s.on('error', (error: Error) => (state.lastError = error));
  s.on('pmessageBuffer', (glob: string, channel: Buffer, payload: Buffer) => onPmessage(state, glob, channel, payload));
  s.on('messageBuffer', (channel: Buffer, key: Buffer) => {
    if (channel.toString() === state.expiredChannel) state.liveness.onExpiredKey(key.toString()).catch((error: unknown) => report(state, error));
  });
}

async function connectRedis(state: RedisBusState): Promise<void> {
  ioredisModule ??= importIoredis();
  const { Redis: Client } = await ioredisModule;
  if (state.phase !== 'connecting') throw new BusError('the bus was closed', 'bus-closed');
  const c = new Client(state.url, state.redisOptions) as ChinookRedis;
  c.defineCommand('chinookPublishRetained', { numberOfKeys: 1, lua: PUBLISH_RETAINED });
  defineLivenessCommands(c);
  const s = new Client(state.url, state.redisOptions);
  state.cmd = c;
  state.sub = s;
  wire(state, c, s);
  const timeoutMs = state.redisOptions.connectTimeout!;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all([c.connect(), s.connect()]),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    await afterConnect(state);
  } catch (error) {
    state.phase = 'closed';
    state.will.stop();
    // A refused TLS handshake (an unverifiable server) still emits an alert on the socket
    // after ioredis lets go of it: without a listener that would crash the process.
    for (const client of [c, s]) (client as unknown as { stream?: NodeJS.EventEmitter }).stream?.on('error', () => {});
    c.disconnect();
    s.disconnect();
    const message = state.lastError?.message ?? (error as Error).message;
    const refused = /NOAUTH|WRONGPASS|NOPERM|invalid password|ERR AUTH/i.test(message);
    const said = refused
      ? `Redis at ${state.where} refused the connection (bus-refused): ${message}; check the credentials and rights (docs/security.md)`
      : `cannot connect to Redis at ${state.where}: ${message}`;
    throw new BusError(said, refused ? 'bus-refused' : 'bus-unreachable', { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

async function closeRedis(state: RedisBusState, abrupt: boolean): Promise<void> {
  if (state.phase === 'closed') return;
  const wasUp = state.phase === 'up';
  state.phase = 'closed';
  const { cmd: c, sub: s } = state;
  if (!c || !s) return state.will.stop();
  if (abrupt) {
    // As a crash: no goodbye, the alive key just stops being refreshed and expires.
    state.will.stop();
    c.disconnect();
    s.disconnect();
    return;
  }
  try {
    if (wasUp) await state.will.forget();
    else state.will.stop();
    await Promise.all([c.quit(), s.quit()]);
  } catch {
    c.disconnect();
    s.disconnect();
  }
}

function createState(url: string, options: RedisBusOptions): RedisBusState {
  const db = parseDb(url);
  if (!Number.isInteger(db) || db < 0) throw new BusError(`\`${redactUrl(url)}\`: the database must be a number`, 'bus-url-invalid');
  const keepaliveMs = Math.max(1, options.keepaliveSeconds ?? 10) * 1000;
  const reconnectPeriodMs = options.reconnectPeriodMs ?? 1_000;
  // Keys of a named user live under its name, where ACLs can give it them alone (docs/security.md).
  const user = options.redis?.username ?? urlUser(url);
  const liveness = createRedisLiveness({ clientId: options.clientId, user, will: options.will, keepaliveMs, connection: () => state.cmd });
  const state: RedisBusState = {
    url,
    where: describeTarget(url),
    options,
    // Chinook reads replies as RESP2 (`legacy`); ioredis types the constructor by that mode.
    redisOptions: {
      lazyConnect: true,
      // Wait for the reconnect rather than failing publishes after N retries, as MQTT clients do.
      maxRetriesPerRequest: null,
      retryStrategy: () => reconnectPeriodMs,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      ...options.redis,
    },
    expiredChannel: `__keyevent@${db}__:expired`,
    listeners: createBusListeners(),
    patterns: new Map(),
    reads: createReadGate(),
    liveness,
    will: emulateWillFor(
      { get phase() { return state.phase; } },
      liveness,
      { keepaliveMs, hasWill: options.will !== undefined, observer: options.observer === true },
      (error) => report(state, error),
    ),
    phase: 'new',
  };
  return state;
}

/** A refused PSUBSCRIBE: not this user's to read (ACL) is `denied`; anything else is thrown as it is. */
function denySubscription(state: RedisBusState, wanted: readonly string[], error: unknown): never {
  if (!isDenied(error)) throw error;
  // Forget the patterns, so reconnects do not ask again.
  for (const p of wanted) state.patterns.delete(p);
  const topic = wanted.join(', ');
  state.listeners.emit({ type: 'denied', operation: 'subscribe', topic, reason: (error as Error).message });
  throw new BusError(`Redis denied the subscription to ${topic}: ${(error as Error).message}`, 'bus-denied', { cause: error });
}

export function createRedisBus(url: string, options: RedisBusOptions): Bus {
  if (!/^rediss?:\/\//i.test(url)) throw new BusError(`\`${redactUrl(url)}\` is not a Redis URL (expected redis:// or rediss://)`, 'bus-url-invalid');
  const state = createState(url, options);
  // Subscriptions asked for in the same tick share one PSUBSCRIBE and one SCAN.
  const subscribeBatch = createSubscribeThenRead(
    state.reads,
    async (wanted) => void (await state.sub!.psubscribe(...wanted.map((p) => state.patterns.get(p)!)).catch((error: unknown) => denySubscription(state, wanted, error))),
    (wanted) => readRetained(state, wanted),
  );
  return {
    kind: 'redis',
    // Subscribe, then read the keys: subscribe() resolves once they are delivered.
    retainedDeliveredOnSubscribe: true,
    connect: () => connectOnce(state, () => connectRedis(state)),
    async publish(topic: string, payload: Uint8Array, publishOptions: PublishOptions) {
      if (options.observer) throw new BusError(`cannot publish on ${topic}: this connection is an observer`, 'bus-refused');
      const c = state.cmd;
      if (!c || state.phase === 'closed') throw notConnected(state, `publish on ${topic}`);
      const bytes = asBuffer(payload);
      try {
        if (publishOptions.retain) await c.chinookPublishRetained(topic, bytes);
        else await c.publish(topic, bytes);
      } catch (error) {
        const closed = (state.phase as Phase) === 'closed';
        const message = (error as Error).message;
        if (isDenied(error) && !closed) {
          state.listeners.emit({ type: 'denied', operation: 'publish', topic, reason: message });
          throw new BusError(`Redis denied publishing on ${topic}: ${message}`, 'bus-denied', { cause: error });
        }
        throw new BusError(`publish on ${topic} failed: ${message}`, closed ? 'bus-closed' : 'bus-refused', { cause: error });
      }
    },
    async subscribe(pattern: string) {
      if (!state.sub || state.phase === 'closed') throw notConnected(state, `subscribe to ${pattern}`);
      if (state.patterns.has(pattern)) return;
      state.patterns.set(pattern, toRedisGlob(pattern));
      await subscribeBatch(pattern);
    },
    onMessage: state.listeners.onMessage,
    onEvent: state.listeners.onEvent,
    close: (closeOptions = {}) => closeRedis(state, closeOptions.abrupt === true),
  };
}
