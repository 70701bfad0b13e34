/**
 * The Redis side of the will emulation (will-emulation.ts): the client keeps
 * `$chinook/alive/<clientId>` alive (PX = keepalive) next to `$chinook/will/<clientId>` (a
 * hash: topic, payload); a named user's keys live under its name
 * (`$chinook/alive/<user>/<clientId>`), where ACLs can give it them alone (docs/security.md). Expiries are noticed through keyspace events
 * (`notify-keyspace-events` gets `Ex` added on every (re)connect when CONFIG is allowed,
 * then read back) or by a sweep. A Lua script fires the will — SET + PUBLISH, then DEL the
 * will key — only if the alive key is gone and the will key still exists, so the will fires
 * exactly once however many clients watch.
 */
import type { Redis } from 'ioredis';
import type { BusWill } from './bus.js';
import type { LivenessStore } from './will-emulation.js';

export const ALIVE_PREFIX = '$chinook/alive/';
export const WILL_PREFIX = '$chinook/will/';
/** Keys visited per SCAN call (see redis-retained.ts). */
const SCAN_COUNT = 10_000; // as in redis-retained.ts

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

/** A Redis ACL refusal (this user has no right to the command, key or channel). */
export function isDenied(error: unknown): boolean {
  // NOPERM for a command; inside a script Redis says "The user executing the script can't …".
  return error instanceof Error && /^NOPERM|user executing the script can't/.test(error.message);
}

/**
 * With ACLs (docs/security.md) only the `liveness` identity may fire another client's
 * will: for everyone else NOPERM is the expected answer, not an error worth reporting.
 */
function ignoreDenied(error: unknown): void {
  if (!isDenied(error)) throw error;
}

export interface LivenessRedis extends Redis {
  chinookKeepAlive(alive: string, will: string, ttlMs: number, topic: string, payload: Buffer): Promise<number>;
  chinookFireWill(alive: string, will: string): Promise<number>;
}

/** Registers the scripts on a command connection. */
export function defineLivenessCommands(c: Redis): void {
  c.defineCommand('chinookKeepAlive', { numberOfKeys: 2, lua: KEEP_ALIVE });
  c.defineCommand('chinookFireWill', { numberOfKeys: 2, lua: FIRE_WILL });
}

/** Do these `notify-keyspace-events` flags publish expiry events (`E` or `A` for the channel class… `x` or `A` for the event)? */
export function flagsNotifyExpiry(flags: string): boolean {
  return flags.includes('E') && (flags.includes('x') || flags.includes('A'));
}

/** `flags` plus what expiry events need, keeping every flag someone else set. */
export function withExpiryFlags(flags: string): string {
  let next = flags;
  if (!next.includes('E')) next += 'E';
  if (!next.includes('x') && !next.includes('A')) next += 'x';
  return next;
}

async function readFlags(c: Redis): Promise<string> {
  const reply = (await c.config('GET', 'notify-keyspace-events')) as string[];
  return reply[1] ?? '';
}

/**
 * Turn expiry events on and read the setting back: true only when the server confirms it.
 * False when CONFIG is forbidden (managed Redis often renames it) or the setting did not take.
 */
export async function enableExpiryNotifications(c: Redis): Promise<boolean> {
  try {
    const flags = await readFlags(c);
    if (flagsNotifyExpiry(flags)) return true;
    await c.config('SET', 'notify-keyspace-events', withExpiryFlags(flags));
    return flagsNotifyExpiry(await readFlags(c));
  } catch {
    return false;
  }
}

export interface RedisLivenessOptions {
  readonly clientId: string;
  /** The Redis user (ACL) this client connects as, if named: its keys live under its name. */
  readonly user?: string | undefined;
  readonly will: BusWill | undefined;
  readonly keepaliveMs: number;
  /** The current command connection, if any. */
  readonly connection: () => LivenessRedis | undefined;
}

export interface RedisLiveness extends LivenessStore {
  /** Handles a message on `__keyevent@<db>__:expired`: fires the will of the client whose alive key expired. */
  onExpiredKey(key: string): Promise<void>;
}

export function createRedisLiveness(options: RedisLivenessOptions): RedisLiveness {
  const own = (options.user ? `${options.user}/` : '') + options.clientId;
  const aliveKey = ALIVE_PREFIX + own;
  const willKey = WILL_PREFIX + own;
  const willPayload = options.will ? Buffer.from(options.will.payload) : undefined;
  return {
    async keepAlive() {
      const c = options.connection();
      if (!options.will || !c) return;
      await c.chinookKeepAlive(aliveKey, willKey, options.keepaliveMs, options.will.topic, willPayload!);
    },
    async forget() {
      const c = options.connection();
      if (options.will && c?.status === 'ready') await c.del(aliveKey, willKey);
    },
    async sweep() {
      const c = options.connection();
      if (!c) return;
      let cursor = '0';
      do {
        const [next, keys] = await c.scan(cursor, 'MATCH', `${WILL_PREFIX}*`, 'COUNT', SCAN_COUNT);
        cursor = next;
        for (const key of keys) await c.chinookFireWill(ALIVE_PREFIX + key.slice(WILL_PREFIX.length), key).catch(ignoreDenied);
      } while (cursor !== '0');
    },
    async listen() {
      const c = options.connection();
      return c ? enableExpiryNotifications(c) : false;
    },
    async onExpiredKey(key) {
      if (!key.startsWith(ALIVE_PREFIX)) return;
      await options.connection()?.chinookFireWill(key, WILL_PREFIX + key.slice(ALIVE_PREFIX.length)).catch(ignoreDenied);
    },
  };
}
