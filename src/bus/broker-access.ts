/**
 * Access control for the embedded broker (aedes): who may connect, publish and subscribe,
 * from the rights `chinook acl` and `chinook run` derive from the manifests. This module
 * knows nothing of manifests: it gets identities with a secret and topic rights.
 *
 * - authenticate: the user name must be a known identity and the password its secret
 *   (compared in constant time); a will on a topic the identity may not publish is refused
 *   at CONNECT, as mosquitto does (CONNACK 5, not authorised).
 * - authorizePublish: the topic must be one the identity may publish. aedes then drops the
 *   client's connection (MQTT 3.1.1 has no negative PUBACK): the message reaches nobody.
 * - authorizeSubscribe: the pattern must be covered by one the identity may read; otherwise
 *   SUBACK 0x80 (failure).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { matchesTopic } from './bus.js';

export interface BrokerIdentity {
  readonly secret: string;
  /** Exact topics (or MQTT patterns) this identity may publish, its will included. */
  readonly publish: readonly string[];
  /** Patterns this identity may subscribe to. */
  readonly subscribe: readonly string[];
}

export interface BrokerAccess {
  /** By user name. */
  readonly identities: ReadonlyMap<string, BrokerIdentity>;
  /**
   * Clients without user name and password: refused when absent; when given, admitted with
   * these read rights and no right to publish (nor a will). `chinook run` uses it so that
   * `mosquitto_sub` can watch a development run without its per-run secrets.
   */
  readonly anonymous?: { readonly subscribe: readonly string[] };
}

/**
 * Does an ACL pattern cover every topic a subscription can match? `a/#` covers `a/+` and
 * `a/#`; `a/+` covers `a/+` and `a/b`, not `a/#`.
 */
export function patternCovers(acl: string, subscription: string): boolean {
  const a = acl.split('/');
  const s = subscription.split('/');
  for (let i = 0; i < a.length; i++) {
    const level = a[i]!;
    if (level === '#') return true;
    const sub = s[i];
    if (sub === undefined || sub === '#') return false;
    if (level !== '+' && level !== sub) return false;
  }
  return s.length === a.length;
}

export function mayPublish(identity: BrokerIdentity, topic: string): boolean {
  return identity.publish.some((p) => matchesTopic(p, topic));
}

export function maySubscribe(identity: BrokerIdentity, pattern: string): boolean {
  return identity.subscribe.some((p) => patternCovers(p, pattern));
}

function digest(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The identity these credentials prove, if any. */
export function authenticateIdentity(access: BrokerAccess, username: string | undefined, password: Buffer | undefined): BrokerIdentity | undefined {
  if (username === undefined && password === undefined && access.anonymous) return { secret: '', publish: [], subscribe: access.anonymous.subscribe };
  if (username === undefined || password === undefined) return undefined;
  const identity = access.identities.get(username);
  if (!identity) return undefined;
  // Hash both sides first: timingSafeEqual needs equal lengths and must not reveal the length.
  return timingSafeEqual(digest(identity.secret), digest(password)) ? identity : undefined;
}

type Done<T> = (error: (Error & { returnCode?: number }) | null, value: T) => void;
interface ConnectPacketLike {
  readonly will?: { readonly topic: string } | null;
}

/** The aedes options that enforce `access`. */
export function createAedesAccessHooks(access: BrokerAccess) {
  const identities = new WeakMap<object, BrokerIdentity>();
  const wills = new WeakMap<object, string>();
  const refuse = (returnCode: 4 | 5, message: string): Error & { returnCode: number } => Object.assign(new Error(message), { returnCode });
  return {
    preConnect(client: object, packet: ConnectPacketLike, done: (error: Error | null, success: boolean) => void): void {
      if (packet.will) wills.set(client, packet.will.topic);
      done(null, true);
    },
    authenticate(client: object, username: string | undefined, password: Buffer | undefined, done: Done<boolean | null>): void {
      const identity = authenticateIdentity(access, username, password);
      if (!identity) return done(refuse(4, 'bad user name or password'), null);
      const will = wills.get(client);
      if (will !== undefined && !mayPublish(identity, will)) return done(refuse(5, `not authorised to register a will on ${will}`), null);
      identities.set(client, identity);
      done(null, true);
    },
    authorizePublish(client: object | null, packet: { readonly topic: string }, done: (error?: Error | null) => void): void {
      // client null: the broker itself (e.g. a will it already checked at CONNECT).
      const identity = client === null ? undefined : identities.get(client);
      if (client === null || (identity && mayPublish(identity, packet.topic))) return done(null);
      done(new Error(`not authorised to publish on ${packet.topic}`));
    },
    authorizeSubscribe<S extends { readonly topic: string }>(client: object, subscription: S, done: (error: Error | null, subscription?: S | null) => void): void {
      const identity = identities.get(client);
      done(null, identity && maySubscribe(identity, subscription.topic) ? subscription : null);
    },
  };
}
