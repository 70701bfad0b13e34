/**
 * An in-process bus with MQTT semantics, for users' unit tests and for the runtime's own:
 * retained messages, `+`/`#` subscriptions, per-publisher ordering, a last will that fires
 * on a simulated crash (`close({ abrupt: true })`) and not on a clean close, and a
 * simulated broker restart. Delivery is asynchronous (as on a real bus) and in publish order.
 */
import { BusError, matchesTopic, type Bus, type BusEvent, type BusMessage, type BusOptions, type PublishOptions } from './bus.js';
import { createDeferredDelivery, type DeferredDelivery } from './deferred-delivery.js';
import { createBusListeners } from './listeners.js';

/** What the broker keeps about one connected bus. */
interface MemoryClient {
  readonly clientId: string;
  readonly patterns: Set<string>;
  enqueue(message: BusMessage): void;
  /** The broker went away (restart); the client reconnects by itself. */
  drop(reason: string): void;
}

export interface MemoryBroker {
  /** Number of connected clients, for tests. */
  readonly clientCount: number;
  /** Retained topics, for tests and inspection (a copy). */
  retainedTopics(): string[];
  /**
   * Simulates a broker restart: every client is disconnected (`disconnect` event) and
   * reconnects (`connect` with `reconnect: true`) with its subscriptions restored.
   * Retained messages are dropped unless `keepRetained` (a broker without persistence loses them).
   */
  restart(options?: { readonly keepRetained?: boolean }): Promise<void>;
  /** @internal adapter-facing API */
  readonly internal: MemoryBrokerInternal;
}

interface MemoryBrokerInternal {
  readonly retained: Map<string, Buffer>;
  attach(client: MemoryClient): void;
  detach(client: MemoryClient): void;
  route(topic: string, payload: Buffer, retain: boolean): void;
  /** Queue the retained messages matching `pattern` for `client`. */
  deliverRetained(client: MemoryClient, pattern: string): void;
  waitUntilUp(): Promise<void>;
}

/** A simulated broker restart; clients wait for it to end before (re)connecting or publishing. */
interface Restarts {
  restart(keepRetained: boolean): Promise<void>;
  waitUntilUp(): Promise<void>;
}

export function createMemoryBroker(): MemoryBroker {
  const retained = new Map<string, Buffer>();
  const clients = new Map<string, MemoryClient>();
  const restarts = createRestarts(clients, retained);
  return {
    get clientCount() {
      return clients.size;
    },
    retainedTopics() {
      return [...retained.keys()];
    },
    restart(options = {}) {
      return restarts.restart(options.keepRetained === true);
    },
    internal: createBrokerInternal(clients, retained, restarts),
  };
}

function createRestarts(clients: Map<string, MemoryClient>, retained: Map<string, Buffer>): Restarts {
  let restarting: Promise<void> | undefined;
  return {
    async restart(keepRetained) {
      if (restarting) return restarting;
      const connected = [...clients.values()];
      clients.clear();
      restarting = (async () => {
        if (!keepRetained) retained.clear();
        for (const client of connected) client.drop('broker restarted');
        await new Promise((resolve) => setImmediate(resolve));
      })();
      try {
        await restarting;
      } finally {
        restarting = undefined;
      }
    },
    waitUntilUp() {
      return restarting ?? Promise.resolve();
    },
  };
}

function createBrokerInternal(clients: Map<string, MemoryClient>, retained: Map<string, Buffer>, restarts: Restarts): MemoryBrokerInternal {
  return {
    retained,
    attach(client) {
      // As on MQTT: a second connection with the same client id takes over the first.
      const previous = clients.get(client.clientId);
      if (previous && previous !== client) previous.drop('client id taken over');
      clients.set(client.clientId, client);
    },
    detach(client) {
      if (clients.get(client.clientId) === client) clients.delete(client.clientId);
    },
    route(topic, payload, retain) {
      if (retain) {
        // MQTT: a retained empty payload clears the retained message.
        if (payload.length === 0) retained.delete(topic);
        else retained.set(topic, payload);
      }
      routeLive(clients, { topic, payload, retained: false });
    },
    deliverRetained(client, pattern) {
      for (const [topic, payload] of retained) {
        if (matchesTopic(pattern, topic)) client.enqueue({ topic, payload, retained: true });
      }
    },
    waitUntilUp: restarts.waitUntilUp,
  };
}

/** Each client with a matching subscription gets the message once, however many of its patterns match. */
function routeLive(clients: ReadonlyMap<string, MemoryClient>, live: BusMessage): void {
  for (const client of clients.values()) {
    for (const pattern of client.patterns) {
      if (matchesTopic(pattern, live.topic)) {
        client.enqueue(live);
        break;
      }
    }
  }
}

const namedBrokers = new Map<string, MemoryBroker>();

/** The in-process broker named by `memory://<name>` (created on first use; `memory://` alone is the one named ''). */
export function getNamedMemoryBroker(name: string): MemoryBroker {
  let broker = namedBrokers.get(name);
  if (!broker) {
    broker = createMemoryBroker();
    namedBrokers.set(name, broker);
  }
  return broker;
}

type State = 'idle' | 'connected' | 'reconnecting' | 'closed';

/** One bus's connection to the broker: its state, its subscriptions, its will, its reconnects. */
interface MemoryConnection {
  readonly state: State;
  readonly client: MemoryClient;
  connect(): Promise<void>;
  close(abrupt: boolean): void;
}

function createConnection(b: MemoryBrokerInternal, options: BusOptions, emit: (event: BusEvent) => void, delivery: DeferredDelivery): MemoryConnection {
  let state: State = 'idle';
  const reconnectPeriodMs = options.reconnectPeriodMs ?? 0;

  const fireWill = (): void => {
    if (options.will) b.route(options.will.topic, Buffer.from(options.will.payload), true);
  };

  const reconnect = (): void => {
    if (state !== 'reconnecting') return;
    void b.waitUntilUp().then(() => {
      if (state !== 'reconnecting') return;
      state = 'connected';
      b.attach(client);
      emit({ type: 'connect', reconnect: true });
      for (const pattern of client.patterns) b.deliverRetained(client, pattern);
    });
  };

  const client: MemoryClient = {
    clientId: options.clientId,
    patterns: new Set(),
    enqueue(message) {
      if (state !== 'connected') return;
      delivery.push(message);
    },
    drop(reason) {
      if (state !== 'connected') return;
      state = 'reconnecting';
      // Takeover or restart: the connection died without DISCONNECT.
      if (reason !== 'broker restarted') fireWill();
      emit({ type: 'disconnect', reason });
      setTimeout(reconnect, Math.max(reconnectPeriodMs, 1));
    },
  };

  return {
    get state() {
      return state;
    },
    client,
    async connect() {
      if (state === 'closed') throw new BusError('the bus was closed', 'bus-closed');
      if (state !== 'idle') return;
      await b.waitUntilUp();
      state = 'connected';
      b.attach(client);
      emit({ type: 'connect', reconnect: false });
    },
    close(abrupt) {
      if (state === 'closed') return;
      const wasConnected = state === 'connected';
      state = 'closed';
      b.detach(client);
      delivery.clear();
      if (abrupt && wasConnected) fireWill();
    },
  };
}

export function createMemoryBus(broker: MemoryBroker, options: BusOptions): Bus {
  const b = broker.internal;
  const listeners = createBusListeners();
  const connection = createConnection(b, options, listeners.emit, createDeferredDelivery(listeners.deliver));
  const client = connection.client;
  return {
    kind: 'memory',
    connect: () => connection.connect(),
    async publish(topic: string, payload: Uint8Array, publishOptions: PublishOptions) {
      if (options.observer) throw new BusError(`cannot publish on ${topic}: this connection is an observer`, 'bus-refused');
      const state = connection.state;
      if (state === 'closed' || state === 'idle') {
        throw new BusError(`cannot publish on ${topic}: the bus is ${state === 'idle' ? 'not connected' : 'closed'}`, 'bus-closed');
      }
      // One copy, so a caller reusing its buffer cannot change what was sent or retained.
      const bytes = Buffer.from(payload);
      if (state === 'reconnecting') await b.waitUntilUp();
      b.route(topic, bytes, publishOptions.retain);
    },
    async subscribe(pattern: string) {
      if (client.patterns.has(pattern)) return;
      client.patterns.add(pattern);
      if (connection.state === 'connected') b.deliverRetained(client, pattern);
    },
    onMessage: listeners.onMessage,
    onEvent: listeners.onEvent,
    async close(closeOptions = {}) {
      connection.close(closeOptions.abrupt === true);
    },
  };
}
