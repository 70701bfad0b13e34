/**
 * The MQTT adapter (mqtt.js 5), for MQTT 3.1.1 and MQTT 5.
 *
 * URL: `mqtt://[user:pass@]host[:port][?protocol=4|5]` or `mqtts://…` (TLS, default port
 * 8883), parsed by `mqtt-url.ts`; the sockets come from `mqtt-socket.ts` (Nagle off, writes
 * coalesced). QoS 1 everywhere, clean session, the will registered (retained, QoS 1) before
 * connecting, subscriptions restored by mqtt.js on every reconnect.
 *
 * Protocol: the `protocol` option, else the URL's `?protocol=`, else negotiated: MQTT 5 first,
 * and 3.1.1 when the broker refuses 5 (CONNACK "unacceptable protocol version": aedes,
 * mosquitto < 1.6). MQTT 5 lets a service subscribe with No Local, so the broker does not
 * send an owner back every state it publishes: on MQTT 3.1.1 that echo costs the owner a
 * receive and a PUBACK per update (docs/performance.md).
 */
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { BusError, type Bus, type BusEvent, type BusOptions, type PublishOptions, type SubscribeOptions } from './bus.js';
import { createBusListeners } from './listeners.js';
import { connectOnce, notConnected, type Phase } from './phase.js';
import { socketFactory, type MqttTlsOptions } from './mqtt-socket.js';
import { parseMqttUrl, type ParsedMqttUrl } from './mqtt-url.js';

export { parseMqttUrl } from './mqtt-url.js';
export type { MqttTlsOptions } from './mqtt-socket.js';

export interface MqttBusOptions extends BusOptions {
  /** 4 = MQTT 3.1.1, 5 = MQTT 5. Overrides `?protocol=` in the URL; without either, negotiated. */
  readonly protocolVersion?: 4 | 5;
  /** Override the URL's userinfo. */
  readonly username?: string;
  readonly password?: string;
  readonly tls?: MqttTlsOptions;
}

type ConnectError = Error & { code?: unknown };

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A CONNACK that refuses the protocol version: MQTT 3.1.1 return code 1, MQTT 5 reason code 0x84. */
function refusesProtocol(error: ConnectError): boolean {
  return error.code === 1 || error.code === 0x84;
}

/**
 * The BusError for a failed first connect: no answer, the protocol asked for refused, another
 * CONNACK refusal (numeric code: credentials, rights) or an unreachable broker. `requested`:
 * the protocol asked for (option or URL); undefined when it was negotiated.
 */
function connectError(error: ConnectError, target: ParsedMqttUrl, username: string | undefined, requested: 4 | 5 | undefined): BusError {
  if (error.name === 'TimeoutError') return new BusError(error.message, 'bus-unreachable', { cause: error });
  const where = `the MQTT broker at ${target.host}:${target.port}`;
  if (refusesProtocol(error) && requested !== undefined) {
    return new BusError(
      `${where} does not speak MQTT ${requested === 5 ? '5' : '3.1.1'} (${error.message}): leave \`protocol\` out of the URL to negotiate`,
      'bus-refused',
      { cause: error },
    );
  }
  if (typeof error.code !== 'number') return new BusError(`cannot connect to ${where}: ${error.message}`, 'bus-unreachable', { cause: error });
  const who = username === undefined ? 'no user name' : `user \`${username}\``;
  return new BusError(
    `${where} refused the connection (bus-refused, ${who}): ${error.message}; check the credentials and rights (docs/security.md)`,
    'bus-refused',
    { cause: error },
  );
}

/** MQTT 5 reason codes from 0x80 up are failures (a PUBACK's or a SUBACK's). */
function deniedReason(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'number' || code < 0x80) return undefined;
  return `${(error as Error).message.replace(/^Publish error: /, '')} (MQTT reason code ${code})`;
}

/** What one adapter instance knows about its connection: its phase (phase.ts), and the client once one connected. */
interface ConnectionState {
  phase: Phase;
  /** The client of the current attempt (connecting), then the one that connected. */
  client: MqttClient | undefined;
  /** The protocol of the client that connected; undefined before the first connect. */
  protocolVersion: 4 | 5 | undefined;
}

/** Reports the life of a connected client as bus events: every (re)connect, each loss, errors worth telling. */
function reportLifecycle(c: MqttClient, state: ConnectionState, emit: (event: BusEvent) => void): void {
  c.on('connect', () => {
    if (state.phase === 'closed') return;
    const reconnect = state.phase === 'down';
    state.phase = 'up';
    emit({ type: 'connect', reconnect });
  });
  c.on('close', () => {
    if (state.phase !== 'up') return;
    state.phase = 'down';
    emit({ type: 'disconnect', reason: 'connection to the MQTT broker lost' });
  });
  c.on('error', (error: ConnectError) => {
    // First-connect failures are the connect() promise's to report; after close() the client
    // may still flush (a PINGREQ, a PUBACK) into the ended socket: "write after end" is the
    // close we asked for, not an error.
    if (state.phase !== 'up' && state.phase !== 'down') return;
    // Socket errors while the broker is away repeat every reconnect period; the
    // disconnect event already said it, so only other errors are reported.
    if (state.phase === 'down' && typeof error.code === 'string') return;
    emit({ type: 'error', error });
  });
}

/**
 * Waits for a new client's first connect: undefined once connected, else the error (or
 * timeout) that ended the attempt, the client then ended for good. With manualConnect,
 * mqtt.js clears its `disconnecting` flag before the socket's close arrives and would
 * schedule reconnects forever: no reconnect after a failed first connect.
 */
function firstConnect(c: MqttClient, timeoutMs: number, target: ParsedMqttUrl): Promise<ConnectError | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (error: ConnectError | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        c.options.reconnectPeriod = 0;
        c.end(true);
      }
      resolve(error);
    };
    const timer = setTimeout(() => {
      const timeout = new Error(`no answer from the MQTT broker at ${target.host}:${target.port} within ${timeoutMs} ms`);
      timeout.name = 'TimeoutError';
      settle(timeout);
    }, timeoutMs + 50);
    c.once('connect', () => settle(undefined));
    c.on('error', (error: ConnectError) => settle(error));
    c.connect();
  });
}

function clientOptionsFor(options: MqttBusOptions, username: string | undefined, password: string | undefined): IClientOptions {
  return {
    clientId: options.clientId,
    clean: true,
    keepalive: options.keepaliveSeconds ?? 10,
    reconnectPeriod: options.reconnectPeriodMs ?? 1_000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    resubscribe: true,
    manualConnect: true,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(options.will
      ? { will: { topic: options.will.topic, payload: toBuffer(options.will.payload), qos: 1 as const, retain: true } }
      : {}),
  };
}

/** The client to publish or subscribe with: connected, or reconnecting (mqtt.js queues meanwhile). */
function usableClient(state: ConnectionState, what: string): MqttClient {
  if ((state.phase !== 'up' && state.phase !== 'down') || state.client === undefined) throw notConnected(state, what);
  return state.client;
}

async function publishOn(state: ConnectionState, emit: (event: BusEvent) => void, topic: string, payload: Uint8Array, publishOptions: PublishOptions): Promise<void> {
  const client = usableClient(state, `publish on ${topic}`);
  try {
    await client.publishAsync(topic, toBuffer(payload), { qos: 1, retain: publishOptions.retain });
  } catch (error) {
    const denied = deniedReason(error);
    if (denied !== undefined && state.phase !== 'closed') {
      emit({ type: 'denied', operation: 'publish', topic, reason: denied });
      throw new BusError(`the broker denied publishing on ${topic}: ${denied}`, 'bus-denied', { cause: error });
    }
    throw new BusError(`publish on ${topic} failed: ${(error as Error).message}`, state.phase === 'closed' ? 'bus-closed' : 'bus-refused', { cause: error });
  }
}

/** While offline, mqtt.js queues the SUBSCRIBE and replays it (options included) on every reconnect. */
async function subscribeOn(state: ConnectionState, client: MqttClient, emit: (event: BusEvent) => void, pattern: string, subscribeOptions: SubscribeOptions | undefined): Promise<void> {
  const noLocal = state.protocolVersion === 5 && subscribeOptions?.noLocal === true;
  const denied = (reason: string): BusError => {
    emit({ type: 'denied', operation: 'subscribe', topic: pattern, reason });
    return new BusError(`the broker denied the subscription to ${pattern} (${reason})`, 'bus-denied');
  };
  let granted: readonly { readonly qos: number }[];
  try {
    granted = await client.subscribeAsync(pattern, noLocal ? { qos: 1, nl: true } : { qos: 1 });
  } catch (error) {
    // mqtt.js rejects a SUBACK failure (0x80, or an MQTT 5 reason code) with the packet attached.
    if ((error as { packet?: { cmd?: string } }).packet?.cmd === 'suback') throw denied(`SUBACK: ${(error as Error).message}`);
    throw new BusError(`subscribe to ${pattern} failed: ${(error as Error).message}`, state.phase === 'closed' ? 'bus-closed' : 'bus-unreachable', { cause: error });
  }
  const refused = granted.find((g) => g.qos === 128 || g.qos > 2);
  if (refused) throw denied(`SUBACK ${refused.qos === 128 ? '0x80 failure' : `reason code ${refused.qos}`}`);
}

export function createMqttBus(url: string, options: MqttBusOptions): Bus {
  const target = parseMqttUrl(url);
  const requestedVersion = options.protocolVersion ?? target.protocolVersion;
  const username = options.username ?? target.username;
  const clientOptions = clientOptionsFor(options, username, options.password ?? target.password);
  const buildStream = socketFactory(target, options.tls);
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const listeners = createBusListeners();
  const emit = listeners.emit;
  const patterns = new Set<string>();
  const state: ConnectionState = { phase: 'new', client: undefined, protocolVersion: undefined };

  const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
    listeners.deliver({ topic, payload, retained: packet.retain });
  };

  /** One first-connect attempt with this protocol; the client stays in `state` only when it connected. */
  const attempt = async (Client: typeof MqttClient, protocolVersion: 4 | 5): Promise<ConnectError | undefined> => {
    const c = new Client(buildStream, { ...clientOptions, protocolVersion });
    state.client = c;
    c.on('message', onMessage);
    reportLifecycle(c, state, emit);
    const error = await firstConnect(c, timeoutMs, target);
    if (error) state.client = undefined;
    else state.protocolVersion = protocolVersion;
    return error;
  };

  return {
    kind: 'mqtt',
    // MQTT 3.1.1 has no subscription options: own messages always come back there.
    get honoursNoLocal() {
      return state.protocolVersion === 5;
    },
    connect: () =>
      connectOnce(state, async () => {
        // Loaded on first use: importing chinook-ipc/runtime must not pay for every adapter.
        const { MqttClient: Client } = await import('mqtt');
        if (state.phase === 'closed') throw new BusError('the bus was closed', 'bus-closed');
        let error = await attempt(Client, requestedVersion ?? 5);
        if (error && requestedVersion === undefined && refusesProtocol(error) && state.phase === 'connecting') error = await attempt(Client, 4);
        if (!error) return;
        state.phase = 'closed';
        throw connectError(error, target, username, requestedVersion);
      }),
    publish: (topic: string, payload: Uint8Array, publishOptions: PublishOptions) => {
      if (options.observer) return Promise.reject(new BusError(`cannot publish on ${topic}: this connection is an observer`, 'bus-refused'));
      return publishOn(state, emit, topic, payload, publishOptions);
    },
    async subscribe(pattern: string, subscribeOptions?: SubscribeOptions) {
      const client = usableClient(state, `subscribe to ${pattern}`);
      if (patterns.has(pattern)) return;
      patterns.add(pattern);
      await subscribeOn(state, client, emit, pattern, subscribeOptions);
    },
    onMessage: listeners.onMessage,
    onEvent: listeners.onEvent,
    async close(closeOptions = {}) {
      if (state.phase === 'closed') return;
      state.phase = 'closed';
      const c = state.client;
      if (!c) return;
      // end(true) destroys the socket without sending DISCONNECT (mqtt.js _cleanUp(forced)),
      // which is what the broker sees when a process dies: it publishes the will.
      await new Promise<void>((resolve) => c.end(closeOptions.abrupt === true, () => resolve()));
    },
  };
}
