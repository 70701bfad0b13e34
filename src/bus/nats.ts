/**
 * The NATS adapter (official client: @nats-io/transport-node, @nats-io/jetstream, @nats-io/kv),
 * per "Buses that are clustered" in PROTOCOL.md; the mapping is in nats-mapping.ts and
 * docs/protocol.md ("NATS JetStream mapping").
 *
 * URL: `nats://[user:pass@|token@]host[:port][,host[:port]…][?replicas=N]` — several servers
 * of one cluster; the client connects to one and fails over to the others.
 *
 * - Retained: a JetStream publish to `$KV.<bucket>.<key>`: the key-value bucket keeps it
 *   (history 1, `replicas` copies; the bucket is created on first use), and core NATS
 *   delivers it at once to every subscriber of that subject. Not retained: a core publish on
 *   `chinook.live.<bucket>.<key>`. One publisher's messages reach a subscriber in order,
 *   retained or not, because both are plain messages of one connection. An empty retained
 *   payload deletes the key.
 * - Subscribe-then-read, as on Redis: a core subscription first, then the current values
 *   (the initial values of a KV watch: last message per key, nats-retained.ts), delivered
 *   with `retained: true`. Read again after every reconnect. Subscriptions asked for in the
 *   same tick share one read.
 * - Last will: emulated (will-emulation.ts with nats-liveness.ts).
 * - A retained publish that fails for want of a server (reconnecting, JetStream electing a
 *   leader) is retried until it lands or is superseded: when a newer retained publish on the
 *   same topic was asked for, the older one is dropped rather than sent after it.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Kvm } from '@nats-io/kv';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { BusError, matchesTopic, type Bus, type BusOptions, type PublishOptions } from './bus.js';
import { createBusListeners, type BusListeners } from './listeners.js';
import { openBucket, createNatsLiveness, type NatsLiveness } from './nats-liveness.js';
import { parseNatsUrl, planSubjects, planSubscription, KV_SUBJECT_PREFIX, decodeBucket, type NatsUrl } from './nats-mapping.js';
import { createNatsNames, type NatsNames } from './nats-names.js';
import { createAckRequests, type AckRequests } from './nats-acks.js';
import { readRetainedBuckets } from './nats-retained.js';
import { asBuffer, connectOnce, notConnected, type Phase } from './phase.js';
import { createReadGate, createSubscribeThenRead, type ReadGate } from './retained-reads.js';
import { emulateWillFor, type WillEmulation } from './will-emulation.js';

export type NatsBusOptions = BusOptions;

/** Loaded on first connect (importing chinook-ipc/runtime must not pay for every adapter), once. */
const importNats = () => Promise.all([import('@nats-io/transport-node'), import('@nats-io/jetstream'), import('@nats-io/kv')]);
type NatsModules = Awaited<ReturnType<typeof importNats>>;
let natsModules: Promise<NatsModules> | undefined;

/** One JetStream request (a retained publish, a bucket lookup) waits this long before it is retried. */
const REQUEST_TIMEOUT_MS = 2_000;
/** How often the liveness entries are checked (in memory). */
const SWEEP_PERIOD_MS = 200;
/** A retained publish that cannot land for this long fails. */
const PUBLISH_DEADLINE_MS = 60_000;


interface Connection {
  readonly modules: NatsModules;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly kvm: Kvm;
  /** The retained publishes' acknowledgements. */
  readonly acks: AckRequests;
}

/** What one NATS bus holds; the functions below share it. */
interface NatsBusState {
  readonly url: NatsUrl;
  readonly options: NatsBusOptions;
  readonly reconnectPeriodMs: number;
  readonly listeners: BusListeners;
  /** MQTT pattern → the subject tail of its plan (`<bucket>.<key filter>` or `*.*`), in subscription order. */
  readonly patterns: Map<string, string>;
  /** Core subscriptions by subject. */
  readonly subscriptions: Map<string, Subscription>;
  /** Buckets known to exist (created or found) on this connection. */
  readonly ready: Set<string>;
  /** Set while a bucket is being made ready: publishes wait behind it (see whenReady). */
  queue: Promise<void> | undefined;
  /** Per topic: the latest retained publish asked for, so an older retry never lands after it. */
  readonly generations: Map<string, number>;
  /** Topic ↔ subject conversions, remembered. */
  readonly names: NatsNames;
  readonly reads: ReadGate;
  readonly liveness: NatsLiveness;
  readonly will: WillEmulation;
  phase: Phase;
  connection?: Connection;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function report(state: NatsBusState, error: unknown): void {
  if (state.phase !== 'closed') state.listeners.emit({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
}

function onCoreMessage(state: NatsBusState, tail: string, msg: Msg): void {
  const topic = state.names.topicOf(msg.subject);
  if (topic === undefined) return;
  // Deliver once per message, through the first subscribed pattern that really matches it.
  for (const [pattern, patternTail] of state.patterns) {
    if (!matchesTopic(pattern, topic)) continue;
    if (patternTail !== tail) return;
    const operation = msg.headers?.get('KV-Operation');
    const payload = operation === 'DEL' || operation === 'PURGE' ? Buffer.alloc(0) : Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
    state.listeners.deliver({ topic, payload, retained: false });
    return;
  }
}

function ensureSubscribed(state: NatsBusState, pattern: string): void {
  const subjects = planSubjects(planSubscription(pattern));
  const tail = subjects[0].slice(KV_SUBJECT_PREFIX.length);
  state.patterns.set(pattern, tail);
  for (const subject of subjects) {
    if (state.subscriptions.has(subject)) continue;
    const sub = state.connection!.nc.subscribe(subject, { callback: (error, msg) => (error ? report(state, error) : onCoreMessage(state, tail, msg)) });
    state.subscriptions.set(subject, sub);
  }
}

const readRetained = (state: NatsBusState, wanted: readonly string[]): Promise<void> => {
  const c = state.connection;
  if (!c) return Promise.resolve();
  return readRetainedBuckets({ js: c.js, kvm: c.kvm, jetstream: c.modules[1], timeoutMs: REQUEST_TIMEOUT_MS * 2 }, wanted, state.listeners.deliver);
};

function ensureBucket(state: NatsBusState, bucket: string): Promise<unknown> {
  const dir = decodeBucket(bucket)?.join('/') ?? bucket;
  return openBucket(state.connection!.kvm, bucket, { replicas: state.url.replicas, description: `chinook topics ${dir}/<key>` });
}

/**
 * Resolves when a publish may be written: at once (undefined) unless a bucket is being made
 * ready. A retained publish to a bucket not yet seen on this connection first makes sure it
 * exists; every publish asked for meanwhile waits its turn, so writes keep the callers' order.
 */
function whenReady(state: NatsBusState, bucket: string | undefined): Promise<void> | undefined {
  if (bucket !== undefined && !state.ready.has(bucket)) {
    state.ready.add(bucket);
    const next = (state.queue ?? Promise.resolve()).then(() => ensureBucket(state, bucket)).then(
      () => {},
      // Not there and not creatable now: the publish is retried until JetStream answers.
      () => void state.ready.delete(bucket),
    );
    state.queue = next;
    void next.then(() => {
      if (state.queue === next) state.queue = undefined;
    });
  }
  return state.queue;
}

/** One retained publish (or delete, for an empty payload): the JetStream publish, its acknowledgement checked. */
async function sendRetained(state: NatsBusState, subject: string, bytes: Buffer): Promise<void> {
  const c = state.connection!;
  let headers: ReturnType<NatsModules[0]['headers']> | undefined;
  if (bytes.length === 0) {
    headers = c.modules[0].headers();
    headers.set('KV-Operation', 'DEL');
  }
  const reply = await c.acks.request(subject, bytes, REQUEST_TIMEOUT_MS, headers);
  const ack = reply.json<{ error?: { description?: string; code?: number } }>();
  // 503: JetStream is there but not ready (a restarted server recovering its streams, a cluster
  // electing a leader): retried like a missing answer. Any other error is a refusal.
  if (ack.error) throw Object.assign(new Error(ack.error.description ?? 'JetStream refused the message'), { refused: ack.error.code !== 503 });
}

async function publishRetained(state: NatsBusState, topic: string, bytes: Buffer): Promise<void> {
  const { bucket, retainedSubject: subject } = state.names.address(topic);
  const generation = (state.generations.get(topic) ?? 0) + 1;
  state.generations.set(topic, generation);
  const deadline = Date.now() + PUBLISH_DEADLINE_MS;
  try {
    // A newer retained publish on this topic carries the state: this one must not land after
    // it, so it gives up as soon as one is asked for (checked before every send, retries included).
    while (state.generations.get(topic) === generation) {
      try {
        return await sendRetained(state, subject, bytes);
      } catch (error) {
        if (state.phase === 'closed') throw new BusError(`publish on ${topic} failed: the bus is closed`, 'bus-closed', { cause: error });
        if (state.generations.get(topic) !== generation) return;
        const refused = (error as { refused?: boolean }).refused === true;
        if (refused || Date.now() > deadline) throw new BusError(`publish on ${topic} failed: ${(error as Error).message}`, 'bus-refused', { cause: error });
        // No answer: the bucket may be gone (deleted under us: the services' own subscriptions
        // to its subjects still take the message, so that is a timeout, not "no responders"),
        // or JetStream is not ready. Making sure it exists is one request on this slow path.
        await ensureBucket(state, bucket).catch(() => {});
        await sleep(state.reconnectPeriodMs);
      }
    }
  } finally {
    if (state.generations.get(topic) === generation) state.generations.delete(topic);
  }
}

/**
 * Runs `work` until it succeeds, while the bus is not closed and `withinMs` has not passed:
 * JetStream may not answer yet right after a (re)connect (a restarted server starting it, a
 * cluster electing a leader).
 */
async function retrying<T>(state: NatsBusState, work: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (state.phase === 'closed' || Date.now() > deadline) throw error;
      await sleep(state.reconnectPeriodMs);
    }
  }
}

/** After the first connection and every reconnect: the will registered, then `connect`, then (reconnect) the retained values again. */
async function afterConnect(state: NatsBusState, reconnect: boolean): Promise<void> {
  const settleMs = state.options.connectTimeoutMs ?? 10_000;
  if (reconnect) {
    // The buckets may be gone (a server without persistence); look again on first use.
    state.ready.clear();
    await retrying(state, () => state.will.onConnect(), settleMs).catch((error: unknown) => report(state, error));
  } else await retrying(state, () => state.will.onConnect(), settleMs);
  if (state.phase === 'closed') return;
  state.phase = 'up';
  state.listeners.emit({ type: 'connect', reconnect });
  // Reread what core NATS may have dropped during the outage.
  const wanted = [...state.patterns.keys()];
  const rereading = reconnect && wanted.length > 0 ? state.reads.track(() => retrying(state, () => readRetained(state, wanted), settleMs)) : undefined;
  state.reads.afterReads(() => state.will.sweepOnce());
  await rereading;
}

async function watchStatus(state: NatsBusState, nc: NatsConnection): Promise<void> {
  for await (const status of nc.status()) {
    if (state.phase === 'closed') return;
    if (status.type === 'disconnect' && state.phase === 'up') {
      state.phase = 'down';
      state.listeners.emit({ type: 'disconnect', reason: `connection to NATS at ${status.server} lost` });
    } else if (status.type === 'reconnect' && state.phase === 'down') {
      afterConnect(state, true).catch((error: unknown) => report(state, error));
    }
  }
}

/** Opens the connection (the client fails over between the listed servers); a BusError when none answers. */
async function openConnection(state: NatsBusState, modules: NatsModules): Promise<NatsConnection> {
  const { url, options } = state;
  try {
    return await modules[0].connect({
      servers: [...url.servers],
      ...(url.user !== undefined ? { user: url.user, pass: url.pass ?? '' } : {}),
      ...(url.token !== undefined ? { token: url.token } : {}),
      name: options.clientId,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: state.reconnectPeriodMs,
      timeout: options.connectTimeoutMs ?? 10_000,
      pingInterval: Math.max(1, options.keepaliveSeconds ?? 10) * 1000,
    });
  } catch (error) {
    const message = (error as Error).message;
    const refused = /authorization|authentication|permissions/i.test(message);
    throw new BusError(`cannot connect to NATS at ${url.where}: ${message}`, refused ? 'bus-refused' : 'bus-unreachable', { cause: error });
  }
}

async function connectNats(state: NatsBusState): Promise<void> {
  natsModules ??= importNats();
  const modules = await natsModules;
  if (state.phase !== 'connecting') throw new BusError('the bus was closed', 'bus-closed');
  const settleMs = state.options.connectTimeoutMs ?? 10_000;
  let nc: NatsConnection | undefined;
  try {
    nc = await openConnection(state, modules);
    const connection = nc;
    // JetStream must be there (nats-server -js): asking for the account's limits says so, or fails.
    await retrying(state, () => modules[1].jetstreamManager(connection, { timeout: REQUEST_TIMEOUT_MS }), settleMs);
    const js = modules[1].jetstream(nc, { timeout: REQUEST_TIMEOUT_MS });
    state.connection = { modules, nc, js, kvm: new modules[2].Kvm(js), acks: createAckRequests(nc, modules[0].createInbox()) };
    watchStatus(state, nc).catch((error: unknown) => report(state, error));
    await afterConnect(state, false);
  } catch (error) {
    state.phase = 'closed';
    state.will.stop();
    state.liveness.stop();
    await nc?.close().catch(() => {});
    if (error instanceof BusError) throw error;
    throw new BusError(`cannot use JetStream at ${state.url.where} (is the server started with -js?): ${(error as Error).message}`, 'bus-unreachable', { cause: error });
  }
}

async function closeNats(state: NatsBusState, abrupt: boolean): Promise<void> {
  if (state.phase === 'closed') return;
  const wasUp = state.phase === 'up';
  state.phase = 'closed';
  const c = state.connection;
  // As a crash, abrupt: the liveness key just stops being refreshed, and a watcher fires the will.
  if (!abrupt && wasUp) await state.will.forget().catch(() => {});
  else state.will.stop();
  state.liveness.stop();
  c?.acks.close();
  await c?.nc.close().catch(() => {});
}

function createState(url: NatsUrl, options: NatsBusOptions): NatsBusState {
  const keepaliveMs = Math.max(1, options.keepaliveSeconds ?? 10) * 1000;
  const reconnectPeriodMs = options.reconnectPeriodMs ?? 1_000;
  const liveness = createNatsLiveness({
    clientId: options.clientId,
    will: options.will,
    keepaliveMs,
    replicas: url.replicas,
    kvm: () => state.connection?.kvm,
    publishWill: (topic, payload) => publishRetained(state, topic, payload),
    report: (error) => report(state, error),
  });
  const state: NatsBusState = {
    url,
    options,
    reconnectPeriodMs,
    listeners: createBusListeners(),
    patterns: new Map(),
    subscriptions: new Map(),
    ready: new Set(),
    queue: undefined,
    generations: new Map(),
    names: createNatsNames(),
    reads: createReadGate(),
    liveness,
    will: emulateWillFor(
      { get phase() { return state.phase; } },
      liveness,
      // The sweep only looks at what the watch delivered (no request unless a client is dead), so it
      // runs often: a dead client is seen within its own keepalive + this, whatever ours is.
      { keepaliveMs, hasWill: options.will !== undefined, sweepPeriodMs: SWEEP_PERIOD_MS, observer: options.observer === true },
      (error) => report(state, error),
    ),
    phase: 'new',
  };
  return state;
}

async function publishNats(state: NatsBusState, topic: string, payload: Uint8Array, retain: boolean): Promise<void> {
  if (state.options.observer) throw new BusError(`cannot publish on ${topic}: this connection is an observer`, 'bus-refused');
  const c = state.connection;
  if (!c || state.phase === 'closed') throw notConnected(state, `publish on ${topic}`);
  const bytes = asBuffer(payload);
  const { bucket, liveSubject } = state.names.address(topic);
  const turn = whenReady(state, retain ? bucket : undefined);
  if (turn) await turn;
  if (retain) return publishRetained(state, topic, bytes);
  try {
    c.nc.publish(liveSubject, bytes);
  } catch (error) {
    throw new BusError(`publish on ${topic} failed: ${(error as Error).message}`, 'bus-refused', { cause: error });
  }
}

export function createNatsBus(url: string, options: NatsBusOptions): Bus {
  const state = createState(parseNatsUrl(url), options);
  // The core subscriptions are made at once (ensureSubscribed); flush(): the server has them before the values are read.
  const subscribeBatch = createSubscribeThenRead(
    state.reads,
    () => state.connection!.nc.flush(),
    (wanted) =>
      retrying(state, () => readRetained(state, wanted), state.options.connectTimeoutMs ?? 10_000).catch((error: unknown) => {
        throw new BusError(`cannot read the retained values of ${wanted.join(', ')} at ${state.url.where}: ${(error as Error).message}`, 'bus-unreachable', { cause: error });
      }),
  );
  return {
    kind: 'nats',
    // Subscribe, then read the buckets: subscribe() resolves once they are delivered.
    retainedDeliveredOnSubscribe: true,
    connect: () => connectOnce(state, () => connectNats(state)),
    publish: (topic: string, payload: Uint8Array, publishOptions: PublishOptions) => publishNats(state, topic, payload, publishOptions.retain),
    async subscribe(pattern: string) {
      if (!state.connection || state.phase === 'closed') throw notConnected(state, `subscribe to ${pattern}`);
      if (state.patterns.has(pattern)) return;
      ensureSubscribed(state, pattern);
      await subscribeBatch(pattern);
    },
    onMessage: state.listeners.onMessage,
    onEvent: state.listeners.onEvent,
    close: (closeOptions = {}) => closeNats(state, closeOptions.abrupt === true),
  };
}
