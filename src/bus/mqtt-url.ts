/**
 * `mqtt://[user:pass@]host[:port][?protocol=4|5]` and `mqtts://…` URLs, parsed once.
 * `protocol` (or `protocolVersion`) is `4`/`3.1.1` or `5`/`5.0`; without it the adapter
 * negotiates (MQTT 5 where the broker speaks it, else 3.1.1).
 */
import { BusError } from './bus.js';
import { redactUrl } from './url.js';

export interface ParsedMqttUrl {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** undefined: not given in the URL. */
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
