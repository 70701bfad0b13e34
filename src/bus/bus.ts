/**
 * The one small interface every bus adapter implements (MQTT, Redis, in-memory).
 *
 * It speaks in MQTT terms because chinook/1 does: topics separated by `/`,
 * patterns with `+` (one level) and `#` (the rest), retained messages, a last will.
 * Adapters for buses without retained messages or wills emulate them as
 * PROTOCOL.md describes. The runtime never sees which adapter it is on.
 */

export interface BusWill {
  readonly topic: string;
  readonly payload: Uint8Array;
}

export interface BusMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /**
   * True when the message was delivered from retained state (on subscribe, or
   * read from a key) rather than published live.
   */
  readonly retained: boolean;
}

export interface BusOptions {
  /** Unique per connection. */
  readonly clientId: string;
  /** Registered before connecting; published by the bus (or its emulation) when the connection dies uncleanly. */
  readonly will?: BusWill;
  /** MQTT keepalive / Redis liveness expiry, in seconds. */
  readonly keepaliveSeconds?: number;
  /** Delay before each reconnect attempt, in milliseconds. */
  readonly reconnectPeriodMs?: number;
  /** Connect timeout for the first connection, in milliseconds. */
  readonly connectTimeoutMs?: number;
  /**
   * A pure observer (`chinook check-live`): the adapter writes nothing to the bus of its own
   * accord (Redis: no CONFIG SET, no firing of other clients' wills) and `publish` is refused.
   * Give it no `will`.
   */
  readonly observer?: boolean;
}

export type BusEvent =
  /** Every successful (re)connection. `reconnect` is false for the first one. */
  | { readonly type: 'connect'; readonly reconnect: boolean }
  /** The connection was lost; the adapter keeps trying to reconnect until closed. */
  | { readonly type: 'disconnect'; readonly reason: string }
  /** A non-fatal error worth reporting. */
  | { readonly type: 'error'; readonly error: Error }
  /**
   * The broker refused an operation this identity has no right to (MQTT 5 reason code,
   * Redis NOPERM, SUBACK failure). The operation's promise also rejects with `bus-denied`.
   * MQTT 3.1.1 brokers drop a denied publish silently (mosquitto) or close the connection
   * (aedes): no event then (docs/security.md).
   */
  | { readonly type: 'denied'; readonly operation: 'publish' | 'subscribe'; readonly topic: string; readonly reason: string };

export interface PublishOptions {
  readonly retain: boolean;
}

export interface SubscribeOptions {
  /**
   * Do not deliver messages this connection published itself (MQTT 5 "No Local"). A hint:
   * adapters that cannot honour it ignore it and deliver own messages as usual (see
   * `Bus.honoursNoLocal`), so a subscriber must still cope with its own messages.
   */
  readonly noLocal?: boolean;
}

export interface Bus {
  /** `mqtt`, `redis`, `memory`: for logs and benchmarks. */
  readonly kind: string;
  /**
   * True when `subscribe(pattern, { noLocal: true })` keeps this connection's own messages
   * from coming back (MQTT 5). Absent or false: they come back whatever the option says.
   */
  readonly honoursNoLocal?: boolean;
  /**
   * True when `subscribe()` resolves only after every retained message matching the pattern
   * has been delivered (Redis: the keys are read after subscribing). Absent or false (MQTT,
   * memory): retained messages may still arrive after it resolves.
   */
  readonly retainedDeliveredOnSubscribe?: boolean;
  /** Resolves once connected; rejects with a BusError if the first connection fails. */
  connect(): Promise<void>;
  /** QoS 1 (at least once) where the bus has QoS. Resolves when the bus accepted it. */
  publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<void>;
  /**
   * Subscribe to an MQTT-style pattern. Retained messages matching it are delivered
   * (with `retained: true`) after this resolves or during it; subscriptions survive reconnects.
   * `options.noLocal` (MQTT 5 only; ignored elsewhere): see SubscribeOptions.
   */
  subscribe(pattern: string, options?: SubscribeOptions): Promise<void>;
  /** Register a message listener; returns a function that removes it. */
  onMessage(listener: (message: BusMessage) => void): () => void;
  /** Register a connection-event listener; returns a function that removes it. */
  onEvent(listener: (event: BusEvent) => void): () => void;
  /**
   * Close the connection. A clean close does not fire the will.
   * `{ abrupt: true }` drops the connection as a crash would (the will fires): for tests.
   */
  close(options?: { readonly abrupt?: boolean }): Promise<void>;
}

/**
 * Thrown (only) by `connect`, `publish` and `subscribe` when the bus cannot be reached or refuses.
 * `bus-refused`: the broker refused the connection (bad user name or password, not authorised);
 * `bus-denied`: it refused one operation outside this identity's rights.
 */
export class BusError extends Error {
  override readonly name = 'BusError';
  constructor(
    message: string,
    readonly code: 'bus-unreachable' | 'bus-refused' | 'bus-denied' | 'bus-closed' | 'bus-url-invalid',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Does an MQTT-style pattern (`+`, `#`) match a topic? As in MQTT, a pattern starting with
 * a wildcard does not match topics starting with `$` (broker and adapter internals).
 */
export function matchesTopic(pattern: string, topic: string): boolean {
  if (topic.charCodeAt(0) === 36 /* $ */ && (pattern.charCodeAt(0) === 43 /* + */ || pattern.charCodeAt(0) === 35) /* # */) return false;
  // Walks both strings level by level without splitting: this runs for every delivered message.
  const pl = pattern.length;
  const tl = topic.length;
  let pi = 0;
  let ti = 0;
  while (pi <= pl) {
    let pe = pattern.indexOf('/', pi);
    if (pe < 0) pe = pl;
    const plen = pe - pi;
    if (plen === 1 && pattern.charCodeAt(pi) === 35 /* # */) return true;
    if (ti > tl) return false;
    let te = topic.indexOf('/', ti);
    if (te < 0) te = tl;
    if (!(plen === 1 && pattern.charCodeAt(pi) === 43) /* + */) {
      if (te - ti !== plen) return false;
      for (let k = 0; k < plen; k++) if (pattern.charCodeAt(pi + k) !== topic.charCodeAt(ti + k)) return false;
    }
    pi = pe + 1;
    ti = te + 1;
  }
  return ti > tl;
}
