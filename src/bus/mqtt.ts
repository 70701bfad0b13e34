/**
 * The MQTT adapter (mqtt.js 5), for MQTT 3.1.1 and MQTT 5.
 *
 * URL: `mqtt://[user:pass@]host[:port][?protocol=5]` or `mqtts://…` (TLS, default port 8883).
 * `protocol` (or `protocolVersion`) in the query is `4`/`3.1.1` or `5`; the option wins over it.
 * QoS 1 everywhere, clean session, the will registered (retained, QoS 1) before connecting,
 * subscriptions restored by mqtt.js on every reconnect.
 *
 * We build the socket ourselves instead of letting mqtt.js do it, for one reason: to turn
 * Nagle's algorithm off (TCP_NODELAY). mqtt.js's TCP stream builder does not pass
 * `noDelay`, and Nagle + delayed ACK adds tens of milliseconds to small one-at-a-time
 * publishes on loopback.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { BusError, type Bus, type BusOptions, type PublishOptions, type SubscribeOptions } from './bus.js';
import { createBusListeners } from './listeners.js';
import { redactUrl } from './url.js';

/** TLS settings passed through to `tls.connect` for `mqtts://`. */
export interface MqttTlsOptions {
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly passphrase?: string;
  /** Default true: an unverified server certificate is refused. */
  readonly rejectUnauthorized?: boolean;
  readonly servername?: string;
}

export interface MqttBusOptions extends BusOptions {
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5. Overrides `?protocol=` in the URL. */
  readonly protocolVersion?: 4 | 5;
  /** Override the URL's userinfo. */
  readonly username?: string;
  readonly password?: string;
  readonly tls?: MqttTlsOptions;
}

interface ParsedMqttUrl {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly protocolVersion: 4 | 5 | undefined;
}

/** Parses an `mqtt://` / `mqtts://` URL; a BusError('bus-url-invalid') when it is not one. */
export function parseMqttUrl(url: string): ParsedMqttUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BusError(`\`${redactUrl(url)}\` is not a valid URL (expected mqtt://host:port)`, 'bus-url-invalid');
  }
  const secure = parsed.protocol === 'mqtts:';
  if (!secure && parsed.protocol !== 'mqtt:') {
    throw new BusError(`\`${redactUrl(url)}\` is not an MQTT URL (expected mqtt:// or mqtts://)`, 'bus-url-invalid');
  }
  if (!parsed.hostname) throw new BusError(`\`${redactUrl(url)}\` has no host`, 'bus-url-invalid');
  const port = parsed.port === '' ? (secure ? 8883 : 1883) : Number(parsed.port);
  const protocolParam = parsed.searchParams.get('protocol') ?? parsed.searchParams.get('protocolVersion');
  let protocolVersion: 4 | 5 | undefined;
  if (protocolParam !== null) {
    if (protocolParam === '5' || protocolParam === '5.0') protocolVersion = 5;
    else if (protocolParam === '4' || protocolParam === '3.1.1') protocolVersion = 4;
    else throw new BusError(`\`${redactUrl(url)}\`: protocol must be 4 (3.1.1) or 5 (got \`${protocolParam}\`)`, 'bus-url-invalid');
  }
  // IPv6 hosts come back bracketed from WHATWG URL; net.connect wants them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    secure,
    host,
    port,
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    protocolVersion,
  };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function classifyConnectError(error: Error & { code?: unknown }): BusError['code'] {
  // CONNACK refusals (bad credentials, not authorised) carry a numeric reason code.
  return typeof error.code === 'number' ? 'bus-refused' : 'bus-unreachable';
}

/** MQTT 5 reason codes from 0x80 up are failures (a PUBACK's or a SUBACK's). */
function deniedReason(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'number' || code < 0x80) return undefined;
  return `${(error as Error).message.replace(/^Publish error: /, '')} (MQTT reason code ${code})`;
}

/**
 * Coalesce the packets written during one turn of the event loop into one syscall.
 * mqtt-packet corks the socket per packet and uncorks it on the next tick, so packets
 * written from separate callbacks (the PUBACK of each received message, each publish a
 * handler makes in reaction) each cost a `writev` — a third of a busy service's CPU time.
 * Holding one extra cork until `setImmediate` (after the I/O callbacks of this turn, never
 * later than the next turn) lets them leave together. Ordering is unchanged; `end()`
 * uncorks fully, and a destroyed socket drops its buffer either way.
 */
function coalesceWrites(socket: net.Socket): net.Socket {
  let held = false;
  const cork = socket.cork;
  const release = (): void => {
    held = false;
    socket.uncork();
  };
  socket.cork = function corkUntilImmediate(this: net.Socket): void {
    if (!held) {
      held = true;
      cork.call(this);
      setImmediate(release);
    }
    cork.call(this);
  };
  return socket;
}

export function createMqttBus(url: string, options: MqttBusOptions): Bus {
  const target = parseMqttUrl(url);
  const protocolVersion = options.protocolVersion ?? target.protocolVersion ?? 4;
  const username = options.username ?? target.username;
  const password = options.password ?? target.password;
  const tlsOptions = options.tls ?? {};

  const buildStream = (): net.Socket => {
    if (target.secure) {
      const servername = tlsOptions.servername ?? (net.isIP(target.host) === 0 ? target.host : undefined);
      const socket = tls.connect({
        host: target.host,
        port: target.port,
        ...(tlsOptions.ca !== undefined ? { ca: tlsOptions.ca as string | Buffer | (string | Buffer)[] } : {}),
        ...(tlsOptions.cert !== undefined ? { cert: tlsOptions.cert } : {}),
        ...(tlsOptions.key !== undefined ? { key: tlsOptions.key } : {}),
        ...(tlsOptions.passphrase !== undefined ? { passphrase: tlsOptions.passphrase } : {}),
        ...(servername !== undefined ? { servername } : {}),
        rejectUnauthorized: tlsOptions.rejectUnauthorized ?? true,
      });
      socket.setNoDelay(true);
      return coalesceWrites(socket);
    }
    return coalesceWrites(net.createConnection({ host: target.host, port: target.port, noDelay: true }));
  };

  const clientOptions: IClientOptions = {
    clientId: options.clientId,
    protocolVersion,
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

  const listeners = createBusListeners();
  const emit = listeners.emit;
  const patterns = new Set<string>();
  let client: MqttClient | undefined;
  let connected = false;
  let everConnected = false;
  let closed = false;

  const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
    listeners.deliver({ topic, payload, retained: packet.retain });
  };

  return {
    kind: 'mqtt',
    // MQTT 3.1.1 has no subscription options: own messages always come back there.
    honoursNoLocal: protocolVersion === 5,
    async connect() {
      if (closed) throw new BusError('the bus was closed', 'bus-closed');
      if (client) return;
      // Loaded on first use: importing chinook-ipc/runtime must not pay for every adapter.
      const { MqttClient: Client } = await import('mqtt');
      if (client) return;
      if (closed) throw new BusError('the bus was closed', 'bus-closed');
      const c = new Client(buildStream, clientOptions);
      client = c;
      c.on('message', onMessage);
      return new Promise<void>((resolve, reject) => {
        let settled = false;
        const fail = (error: BusError): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          closed = true;
          // With manualConnect, mqtt.js clears its `disconnecting` flag before the socket's
          // close arrives and would schedule reconnects forever: no reconnect after a failed first connect.
          c.options.reconnectPeriod = 0;
          c.end(true);
          reject(error);
        };
        const timeoutMs = (options.connectTimeoutMs ?? 10_000) + 50;
        const timer = setTimeout(
          () => fail(new BusError(`no answer from the MQTT broker at ${target.host}:${target.port} within ${timeoutMs - 50} ms`, 'bus-unreachable')),
          timeoutMs,
        );
        c.on('connect', () => {
          connected = true;
          const reconnect = everConnected;
          everConnected = true;
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            resolve();
          }
          emit({ type: 'connect', reconnect });
        });
        c.on('close', () => {
          if (!connected) return;
          connected = false;
          if (!closed) emit({ type: 'disconnect', reason: 'connection to the MQTT broker lost' });
        });
        c.on('error', (error: Error & { code?: unknown }) => {
          if (!everConnected) {
            const code = classifyConnectError(error);
            const where = `the MQTT broker at ${target.host}:${target.port}`;
            const who = username === undefined ? 'no user name' : `user \`${username}\``;
            const message = code === 'bus-refused'
              ? `${where} refused the connection (bus-refused, ${who}): ${error.message}; check the credentials and rights (docs/security.md)`
              : `cannot connect to ${where}: ${error.message}`;
            fail(new BusError(message, code, { cause: error }));
            return;
          }
          // After close() the client may still flush (a PINGREQ, a PUBACK) into the ended
          // socket: "write after end" is the close we asked for, not an error.
          if (closed) return;
          // Socket errors while the broker is away repeat every reconnect period; the
          // disconnect event already said it, so only other errors are reported.
          if (!connected && typeof error.code === 'string') return;
          emit({ type: 'error', error });
        });
        c.connect();
      });
    },
    async publish(topic: string, payload: Uint8Array, publishOptions: PublishOptions) {
      if (options.observer) throw new BusError(`cannot publish on ${topic}: this connection is an observer`, 'bus-refused');
      if (!client || closed) throw new BusError(`cannot publish on ${topic}: the bus is ${closed ? 'closed' : 'not connected'}`, 'bus-closed');
      try {
        await client.publishAsync(topic, toBuffer(payload), { qos: 1, retain: publishOptions.retain });
      } catch (error) {
        const denied = deniedReason(error);
        if (denied !== undefined && !closed) {
          emit({ type: 'denied', operation: 'publish', topic, reason: denied });
          throw new BusError(`the broker denied publishing on ${topic}: ${denied}`, 'bus-denied', { cause: error });
        }
        throw new BusError(`publish on ${topic} failed: ${(error as Error).message}`, closed ? 'bus-closed' : 'bus-refused', { cause: error });
      }
    },
    async subscribe(pattern: string, subscribeOptions?: SubscribeOptions) {
      if (!client || closed) throw new BusError(`cannot subscribe to ${pattern}: the bus is ${closed ? 'closed' : 'not connected'}`, 'bus-closed');
      if (patterns.has(pattern)) return;
      patterns.add(pattern);
      // While offline, mqtt.js queues the SUBSCRIBE and replays it (options included) on reconnect.
      const noLocal = protocolVersion === 5 && subscribeOptions?.noLocal === true;
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
        throw new BusError(`subscribe to ${pattern} failed: ${(error as Error).message}`, closed ? 'bus-closed' : 'bus-unreachable', { cause: error });
      }
      const refused = granted.find((g) => g.qos === 128 || g.qos > 2);
      if (refused) throw denied(`SUBACK ${refused.qos === 128 ? '0x80 failure' : `reason code ${refused.qos}`}`);
    },
    onMessage: listeners.onMessage,
    onEvent: listeners.onEvent,
    async close(closeOptions = {}) {
      if (closed) return;
      closed = true;
      const c = client;
      if (!c) return;
      if (closeOptions.abrupt) {
        // end(true) destroys the socket without sending DISCONNECT (mqtt.js _cleanUp(forced)),
        // which is what the broker sees when a process dies: it publishes the will.
        await new Promise<void>((resolve) => c.end(true, () => resolve()));
        return;
      }
      await new Promise<void>((resolve) => c.end(false, () => resolve()));
    },
  };
}
