/**
 * The Redis adapter (ioredis), per the Redis section of PROTOCOL.md.
 *
 * - Retained: a retained publish SETs the key named by the topic and PUBLISHes on the
 *   channel of the same name in one Lua script (atomic, one round trip). An empty retained
 *   payload deletes the key, as an empty retained message clears it on MQTT.
 * - Subscribe-then-read: PSUBSCRIBE first, then SCAN + MGET the matching keys and deliver
 *   them with `retained: true`. An update racing the read can arrive both live and from the
 *   key; the runtime's `(epoch, seq)` rule applies it once. Keys are read again after every
 *   reconnect, which recovers whatever pub/sub (at most once) dropped meanwhile.
 *   Subscriptions asked for in the same tick are batched: one PSUBSCRIBE of every glob, then
 *   one SCAN over a glob covering them all (their common literal prefix), each key delivered
 *   once, through whichever pattern matches it — as a live message is.
 * - Last will: the client keeps `$chinook/alive/<clientId>` alive (PX = keepalive, refreshed
 *   every keepalive/3) next to `$chinook/will/<clientId>` (a hash: topic, payload). Every
 *   adapter instance listens for expiry events (`notify-keyspace-events` gets `Ex` added when
 *   CONFIG is allowed; otherwise it sweeps every keepalive) and runs a Lua script that fires
 *   the will — SET + PUBLISH, then DEL the will key — only if the alive key is gone and the
 *   will key still exists, so the will fires exactly once however many instances watch.
 *   Detection bound: keepalive + Redis's expiry lag (~100 ms active expiry cycle, more with
 *   very many volatile keys), or keepalive + one sweep period without notifications.
 *   Someone must be connected to notice: a client connecting later sweeps once on connect
 *   (started after the reads asked for right after connecting, so it does not delay them).
 *
 * MQTT wildcards map to Redis globs: `+` → `*` and a trailing `#` → `*` (the parent topic
 * included). A glob `*` also crosses `/`, so every delivery is checked with `matchesTopic`.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { BusError, matchesTopic, type Bus, type BusOptions, type PublishOptions } from './bus.js';
import { createBusListeners } from './listeners.js';
import { redactUrl } from './url.js';

export interface RedisBusOptions extends BusOptions {
  /** Extra ioredis options (e.g. `tls: { ca }` for rediss://); the URL gives host, port, user, password, db. */
  readonly redis?: Omit<RedisOptions, 'replyMapping'>;
}

const ALIVE_PREFIX = '$chinook/alive/';
/**
 * Keys visited per SCAN call. A bigger count means fewer round trips (1,000 domains take one
 * call, not two or three); each call still blocks the server only briefly (~1 ms per 10k keys).
 */
const SCAN_COUNT = 10_000;
/** Keys per MGET: bounds one reply's size; the MGETs of a SCAN page are sent together (pipelined). */
const MGET_BATCH = 1_000;
/** Loaded on first use (importing chinook-ipc/runtime must not pay for every adapter), and once: not resolved again per connect. */
const importIoredis = () => import('ioredis');
let ioredisModule: ReturnType<typeof importIoredis> | undefined;
const WILL_PREFIX = '$chinook/will/';

/** SET + PUBLISH atomically; an empty payload clears the retained key. */
const PUBLISH_RETAINED = `
if string.len(ARGV[1]) == 0 then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[1]) end
return redis.call('PUBLISH', KEYS[1], ARGV[1])`;

/** KEYS: alive, will. ARGV: ttl ms, will topic, will payload. Recreates the will if it fired meanwhile. */
const KEEP_ALIVE = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('HSET', KEYS[2], 'topic', ARGV[2], 'payload', ARGV[3]) end
return 1`;

/**
 * KEYS: alive, will. Fires the will once: only if the client is not alive and the will is still there.
 * A will key of a named user (`$chinook/will/<user>/<clientId>`) may only name that user's own
 * status (`…/status/<user>`): under ACLs the firer (the `liveness` identity, docs/security.md)
 * may write every status, so a client must not be able to register another service's `offline`.
 */
const FIRE_WILL = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local topic = redis.call('HGET', KEYS[2], 'topic')
if not topic then return 0 end
local user = string.match(KEYS[2], '^%$chinook/will/([^/]+)/')
local service = string.match(topic, '/status/([^/]+)$')
if user and service and user ~= service then redis.call('DEL', KEYS[2]) return 0 end
local payload = redis.call('HGET', KEYS[2], 'payload')
redis.call('DEL', KEYS[2])
if string.len(payload) == 0 then redis.call('DEL', topic) else redis.call('SET', topic, payload) end
redis.call('PUBLISH', topic, payload)
return 1`;

interface ChinookRedis extends Redis {
  chinookPublishRetained(key: string, payload: Buffer): Promise<number>;
  chinookKeepAlive(alive: string, will: string, ttlMs: number, topic: string, payload: Buffer): Promise<number>;
  chinookFireWill(alive: string, will: string): Promise<number>;
}

/** `a/+/b` → `a/*\/b`; `a/#` → `a*`; glob metacharacters in literal levels are escaped. */
export function toRedisGlob(pattern: string): string {
  const levels = pattern.split('/');
  let glob = '';
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level === '#') return glob + '*';
    if (i > 0) glob += '/';
    glob += level === '+' ? '*' : level.replace(/[*?[\]\\]/g, '\\$&');
  }
  return glob;
}

/** The literal text every topic `pattern` matches starts with (`a/#` also matches `a`: no slash). */
function literalPrefix(pattern: string): string {
  const levels = pattern.split('/');
  let prefix = '';
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level === '#') return prefix;
    if (i > 0) prefix += '/';
    if (level === '+') return prefix;
    prefix += level;
  }
  return prefix;
}

/** One glob matching every key any of `patterns` can match: their common literal prefix, then `*`. */
export function toCoveringGlob(patterns: readonly string[]): string {
  if (patterns.length === 1) return toRedisGlob(patterns[0]!);
  let common = literalPrefix(patterns[0]!);
  for (const pattern of patterns.slice(1)) {
    const prefix = literalPrefix(pattern);
    let i = 0;
    while (i < common.length && i < prefix.length && common[i] === prefix[i]) i++;
    common = common.slice(0, i);
  }
  return common.replace(/[*?[\]\\]/g, '\\$&') + '*';
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

/** A Redis ACL refusal (this user has no right to the command, key or channel). */
function isDenied(error: unknown): boolean {
  // NOPERM for a command; inside a script Redis says "The user executing the script can't …".
  return error instanceof Error && /^NOPERM|user executing the script can't/.test(error.message);
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

export function createRedisBus(url: string, options: RedisBusOptions): Bus {
  if (!/^rediss?:\/\//i.test(url)) throw new BusError(`\`${redactUrl(url)}\` is not a Redis URL (expected redis:// or rediss://)`, 'bus-url-invalid');
  const db = parseDb(url);
  if (!Number.isInteger(db) || db < 0) throw new BusError(`\`${redactUrl(url)}\`: the database must be a number`, 'bus-url-invalid');
  const where = describeTarget(url);
  const keepaliveMs = Math.max(1, options.keepaliveSeconds ?? 10) * 1000;
  const reconnectPeriodMs = options.reconnectPeriodMs ?? 1_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const expiredChannel = `__keyevent@${db}__:expired`;
  // Keys of a named user live under its name, where ACLs can give it them alone (docs/security.md).
  const user = options.redis?.username ?? urlUser(url);
  const aliveKey = ALIVE_PREFIX + (user ? `${user}/` : '') + options.clientId;
  const willKey = WILL_PREFIX + (user ? `${user}/` : '') + options.clientId;
  const willPayload = options.will ? Buffer.from(options.will.payload) : undefined;

  // Chinook reads replies as RESP2 (`legacy`); ioredis types the constructor by that mode.
  const redisOptions: Omit<RedisOptions, 'replyMapping'> = {
    lazyConnect: true,
    // Wait for the reconnect rather than failing publishes after N retries, as MQTT clients do.
    maxRetriesPerRequest: null,
    retryStrategy: () => reconnectPeriodMs,
    connectTimeout: connectTimeoutMs,
    ...options.redis,
  };

  const listeners = createBusListeners();
  const emit = listeners.emit;
  /** MQTT pattern → glob, in subscription order. */
  const patterns = new Map<string, string>();
  let cmd: ChinookRedis | undefined;
  let sub: Redis | undefined;
  let connected = false;
  let everConnected = false;
  let closed = false;
  let refreshTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let notifications = false;
  /** The latest connection error: ioredis rejects connect() with a generic one. */
  let lastError: Error | undefined;
  /** Subscriptions asked for in this tick, read together (see `subscribe`). */
  let batch: { readonly patterns: string[]; promise: Promise<void> } | undefined;
  /** Key reads in progress, and what waits for them all to end (the sweep on connect). */
  let readsInFlight = 0;
  let afterReads: (() => void)[] = [];

  const report = (error: unknown): void => {
    if (!closed) emit({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
  };

  /**
   * With ACLs (docs/security.md) only the `liveness` identity may fire another client's
   * will: for everyone else NOPERM is the expected answer, not an error worth reporting.
   */
  const reportUnlessDenied = (error: unknown): void => {
    if (!isDenied(error)) report(error);
  };

  const deliver = listeners.deliver;

  const onPmessage = (glob: string, channel: Buffer, payload: Buffer): void => {
    const topic = channel.toString();
    // Deliver once per message, through the first subscribed pattern that really matches it.
    for (const [pattern, patternGlob] of patterns) {
      if (matchesTopic(pattern, topic)) {
        if (patternGlob === glob) deliver({ topic, payload, retained: false });
        return;
      }
    }
  };

  const onExpired = (channel: Buffer, key: Buffer): void => {
    if (channel.toString() !== expiredChannel) return;
    const name = key.toString();
    if (!name.startsWith(ALIVE_PREFIX)) return;
    const clientId = name.slice(ALIVE_PREFIX.length);
    cmd?.chinookFireWill(name, WILL_PREFIX + clientId).catch(reportUnlessDenied);
  };

  /** Fire the will of every client whose alive key is gone (missed expiries, or no notifications). */
  const sweepWills = async (): Promise<void> => {
    const c = cmd;
    if (!c) return;
    let cursor = '0';
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', `${WILL_PREFIX}*`, 'COUNT', SCAN_COUNT);
      cursor = next;
      for (const key of keys) {
        await c.chinookFireWill(ALIVE_PREFIX + key.slice(WILL_PREFIX.length), key).catch(reportUnlessDenied);
      }
    } while (cursor !== '0');
  };

  /**
   * SCAN the keys the patterns cover (one glob covering them all) and deliver each once, as
   * retained. A page's MGETs are sent before the next SCAN, so they share the round trips.
   */
  const readRetained = async (wanted: readonly string[]): Promise<void> => {
    const c = cmd;
    if (!c || wanted.length === 0) return;
    const glob = toCoveringGlob(wanted);
    const seen = new Set<string>();
    const reads: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    const deliverValues = (keys: readonly string[], values: readonly (Buffer | null)[]): void => {
      for (let i = 0; i < keys.length; i++) {
        const value = values[i];
        if (value) deliver({ topic: keys[i]!, payload: value, retained: true });
      }
    };
    let cursor = '0';
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', glob, 'COUNT', SCAN_COUNT);
      cursor = next;
      // SCAN may return a key twice; a glob `*` crosses levels, and the covering glob covers more: filter.
      const page = keys.filter((k) => !seen.has(k) && wanted.some((pattern) => matchesTopic(pattern, k)));
      for (const k of page) seen.add(k);
      for (let i = 0; i < page.length; i += MGET_BATCH) {
        const slice = page.slice(i, i + MGET_BATCH);
        // Handled at once: a SCAN failing meanwhile must not leave this rejection unhandled.
        reads.push(c.mgetBuffer(...slice).then((values) => deliverValues(slice, values), (error: unknown) => void (failure ??= { error })));
      }
    } while (cursor !== '0');
    await Promise.all(reads);
    if (failure) throw failure.error;
  };

  const endRead = (): void => {
    if (--readsInFlight > 0) return;
    const waiting = afterReads;
    afterReads = [];
    for (const run of waiting) run();
  };

  /**
   * The sweep on (re)connect, once the reads asked for right after connecting are done: it
   * SCANs the whole keyspace on the command connection and would otherwise delay them (and
   * what the caller publishes as soon as they are done, e.g. `online`). setImmediate: a
   * caller reacting to connect() or to a subscribe resolving has sent its commands by then.
   */
  const sweepAfterReads = (): void => {
    if (options.observer) return;
    const run = (): void => {
      if (!closed && connected) sweepWills().catch(report);
    };
    setImmediate(() => {
      if (readsInFlight === 0) run();
      else afterReads.push(() => setImmediate(run));
    });
  };

  const keepAlive = async (): Promise<void> => {
    if (!options.will || !cmd) return;
    await cmd.chinookKeepAlive(aliveKey, willKey, keepaliveMs, options.will.topic, willPayload!);
  };

  const startTimers = (): void => {
    if (options.will && !refreshTimer) {
      refreshTimer = setInterval(() => {
        if (connected) keepAlive().catch(report);
      }, Math.max(50, Math.floor(keepaliveMs / 3)));
      refreshTimer.unref();
    }
    if (!options.observer && !notifications && !sweepTimer) {
      sweepTimer = setInterval(() => {
        if (connected) sweepWills().catch(report);
      }, keepaliveMs);
      sweepTimer.unref();
    }
  };
  const stopTimers = (): void => {
    clearInterval(refreshTimer);
    clearInterval(sweepTimer);
    refreshTimer = undefined;
    sweepTimer = undefined;
  };

  /** Add `E` and `x` to notify-keyspace-events without dropping flags someone else needs. */
  const enableExpiryNotifications = async (c: Redis): Promise<boolean> => {
    try {
      const current = (await c.config('GET', 'notify-keyspace-events')) as string[];
      const flags = current[1] ?? '';
      if ((flags.includes('E') || flags.includes('A')) && (flags.includes('x') || flags.includes('A'))) return true;
      let next = flags;
      if (!next.includes('E')) next += 'E';
      if (!next.includes('x') && !next.includes('A')) next += 'x';
      await c.config('SET', 'notify-keyspace-events', next);
      return true;
    } catch {
      // Managed Redis often forbids CONFIG: fall back to the sweep.
      return false;
    }
  };

  /**
   * After the first connection and every reconnect: liveness and subscriptions, then the keys.
   * The commands are independent, so they are sent together (one round trip, not three); the
   * will exists before `connect` is emitted, so before anyone publishes `online`.
   */
  const onBothReady = async (notificationsCheck?: Promise<boolean>): Promise<void> => {
    const s = sub!;
    const [enabled] = await Promise.all([
      notificationsCheck,
      keepAlive(),
      options.observer ? undefined : s.subscribe(expiredChannel),
      patterns.size > 0 ? s.psubscribe(...new Set(patterns.values())) : undefined,
    ]);
    if (enabled !== undefined) notifications = enabled;
    const reconnect = everConnected;
    everConnected = true;
    connected = true;
    emit({ type: 'connect', reconnect });
    startTimers();
    if (!reconnect || patterns.size === 0) {
      sweepAfterReads();
      return;
    }
    readsInFlight++;
    sweepAfterReads();
    try {
      await readRetained([...patterns.keys()]);
    } finally {
      endRead();
    }
  };

  const wire = (c: ChinookRedis, s: Redis): void => {
    let cmdReady = false;
    let subReady = false;
    let settling = false;
    const maybeReady = (): void => {
      if (!everConnected || closed || connected || settling || !cmdReady || !subReady) return;
      settling = true;
      onBothReady()
        .catch(report)
        .finally(() => (settling = false));
    };
    const lost = (): void => {
      if (!connected || closed) return;
      connected = false;
      emit({ type: 'disconnect', reason: `connection to Redis at ${where} lost` });
    };
    c.on('ready', () => {
      cmdReady = true;
      maybeReady();
    });
    s.on('ready', () => {
      subReady = true;
      maybeReady();
    });
    c.on('close', () => {
      cmdReady = false;
      lost();
    });
    s.on('close', () => {
      subReady = false;
      lost();
    });
    // ioredis reports every failed reconnect attempt; after the first connection these
    // are expected while the server is away, so only the disconnect event is shown.
    c.on('error', (error: Error) => (lastError = error));
    s.on('error', (error: Error) => (lastError = error));
    s.on('pmessageBuffer', onPmessage);
    s.on('messageBuffer', onExpired);
  };

  return {
    kind: 'redis',
    // Subscribe, then read the keys: subscribe() resolves once they are delivered.
    retainedDeliveredOnSubscribe: true,
    async connect() {
      if (closed) throw new BusError('the bus was closed', 'bus-closed');
      if (cmd) return;
      ioredisModule ??= importIoredis();
      const { Redis: Client } = await ioredisModule;
      if (cmd) return;
      if (closed) throw new BusError('the bus was closed', 'bus-closed');
      const c = new Client(url, redisOptions) as ChinookRedis;
      c.defineCommand('chinookPublishRetained', { numberOfKeys: 1, lua: PUBLISH_RETAINED });
      c.defineCommand('chinookKeepAlive', { numberOfKeys: 2, lua: KEEP_ALIVE });
      c.defineCommand('chinookFireWill', { numberOfKeys: 2, lua: FIRE_WILL });
      const s = new Client(url, redisOptions);
      cmd = c;
      sub = s;
      wire(c, s);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.all([c.connect(), s.connect()]),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
        await onBothReady(options.observer ? undefined : enableExpiryNotifications(c));
      } catch (error) {
        clearTimeout(timer);
        closed = true;
        stopTimers();
        // A refused TLS handshake (an unverifiable server) still emits an alert on the socket
        // after ioredis lets go of it: without a listener that would crash the process.
        for (const client of [c, s]) (client as unknown as { stream?: NodeJS.EventEmitter }).stream?.on('error', () => {});
        c.disconnect();
        s.disconnect();
        const message = lastError?.message ?? (error as Error).message;
        const refused = /NOAUTH|WRONGPASS|NOPERM|invalid password|ERR AUTH/i.test(message);
        const said = refused ? `Redis at ${where} refused the connection (bus-refused): ${message}; check the credentials and rights (docs/security.md)` : `cannot connect to Redis at ${where}: ${message}`;
        throw new BusError(said, refused ? 'bus-refused' : 'bus-unreachable', { cause: error });
      }
    },
    async publish(topic: string, payload: Uint8Array, publishOptions: PublishOptions) {
      if (options.observer) throw new BusError(`cannot publish on ${topic}: this connection is an observer`, 'bus-refused');
      const c = cmd;
      if (!c || closed) throw new BusError(`cannot publish on ${topic}: the bus is ${closed ? 'closed' : 'not connected'}`, 'bus-closed');
      const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      try {
        if (publishOptions.retain) await c.chinookPublishRetained(topic, bytes);
        else await c.publish(topic, bytes);
      } catch (error) {
        const message = (error as Error).message;
        if (isDenied(error) && !closed) {
          emit({ type: 'denied', operation: 'publish', topic, reason: message });
          throw new BusError(`Redis denied publishing on ${topic}: ${message}`, 'bus-denied', { cause: error });
        }
        throw new BusError(`publish on ${topic} failed: ${message}`, closed ? 'bus-closed' : 'bus-refused', { cause: error });
      }
    },
    async subscribe(pattern: string) {
      const s = sub;
      if (!s || closed) throw new BusError(`cannot subscribe to ${pattern}: the bus is ${closed ? 'closed' : 'not connected'}`, 'bus-closed');
      if (patterns.has(pattern)) return;
      patterns.set(pattern, toRedisGlob(pattern));
      // Subscriptions asked for in the same tick (the runtime asks for state and status at
      // once) share one PSUBSCRIBE and one SCAN of the keyspace.
      if (batch === undefined) {
        const next: { readonly patterns: string[]; promise: Promise<void> } = { patterns: [], promise: Promise.resolve() };
        batch = next;
        readsInFlight++;
        next.promise = (async () => {
          await undefined;
          batch = undefined;
          try {
            // Subscribe first, then read: an update in between is seen live, from the key, or both.
            await s.psubscribe(...next.patterns.map((p) => patterns.get(p)!)).catch((error: unknown) => {
              if (!isDenied(error)) throw error;
              // Not this user's to read (ACL): forget the patterns, so reconnects do not ask again.
              for (const p of next.patterns) patterns.delete(p);
              const topic = next.patterns.join(', ');
              emit({ type: 'denied', operation: 'subscribe', topic, reason: (error as Error).message });
              throw new BusError(`Redis denied the subscription to ${topic}: ${(error as Error).message}`, 'bus-denied', { cause: error });
            });
            await readRetained(next.patterns);
          } finally {
            endRead();
          }
        })();
      }
      batch.patterns.push(pattern);
      await batch.promise;
    },
    onMessage: listeners.onMessage,
    onEvent: listeners.onEvent,
    async close(closeOptions = {}) {
      if (closed) return;
      closed = true;
      connected = false;
      stopTimers();
      const c = cmd;
      const s = sub;
      if (!c || !s) return;
      if (closeOptions.abrupt) {
        // As a crash: no goodbye, the alive key just stops being refreshed and expires.
        c.disconnect();
        s.disconnect();
        return;
      }
      try {
        if (options.will && c.status === 'ready') await c.del(aliveKey, willKey);
        await Promise.all([c.quit(), s.quit()]);
      } catch {
        c.disconnect();
        s.disconnect();
      }
    },
  };
}
