/**
 * The sockets the MQTT adapter hands to mqtt.js. We build them ourselves instead of letting
 * mqtt.js do it, for one reason: to turn Nagle's algorithm off (TCP_NODELAY). mqtt.js's TCP
 * stream builder does not pass `noDelay`, and Nagle + delayed ACK adds tens of milliseconds
 * to small one-at-a-time publishes on loopback.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ParsedMqttUrl } from './mqtt-url.js';

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

/**
 * Coalesce the packets written during one turn of the event loop into one syscall.
 * mqtt-packet corks the socket per packet and uncorks it on the next tick, so packets
 * written from separate callbacks (the PUBACK of each received message, each publish a
 * handler makes in reaction) each cost a `writev` — a third of a busy service's CPU time
 * (docs/performance.md). Holding one extra cork until `setImmediate` (after the I/O
 * callbacks of this turn, never later than the next turn) lets them leave together.
 * Ordering is unchanged; `end()` uncorks fully, and a destroyed socket drops its buffer
 * either way. The patch lives on this one socket instance, nowhere else.
 */
export function coalesceWrites<S extends net.Socket>(socket: S): S {
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

/** A new socket to the URL's broker each call (mqtt.js calls it on every (re)connect). */
export function socketFactory(target: ParsedMqttUrl, tlsOptions: MqttTlsOptions = {}): () => net.Socket {
  if (!target.secure) {
    return () => coalesceWrites(net.createConnection({ host: target.host, port: target.port, noDelay: true }));
  }
  const servername = tlsOptions.servername ?? (net.isIP(target.host) === 0 ? target.host : undefined);
  return () => {
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
  };
}
