/**
 * The chinook/1 wire format (PROTOCOL.md): state envelopes, status messages, topics.
 *
 * Encoding writes the keys in the order PROTOCOL.md shows them, so that what any
 * other client sees on the bus reads exactly like the document. Decoding is the hot
 * path of every service: one size check, one JSON.parse, field checks in place, the
 * validator's fast `is`; anything slower (detail strings, `explain`) runs only for a
 * payload that is rejected.
 */
import { PROTOCOL, type DomainSpec, type RejectReason } from './contract.js';
import { orderEnvelope, type OrderingState } from './ordering.js';

export interface StateEnvelope<T = unknown> {
  readonly protocol: typeof PROTOCOL;
  readonly domain: string;
  readonly owner: string;
  readonly version: number;
  readonly epoch: number;
  readonly seq: number;
  /** ISO 8601 UTC, when the owner published it. */
  readonly time: string;
  readonly state: T;
}

export type ServiceStatus = 'online' | 'offline';

export interface StatusMessage {
  readonly protocol: typeof PROTOCOL;
  readonly service: string;
  readonly status: ServiceStatus;
  readonly epoch: number;
  readonly time: string;
}

export { stateTopic, statusTopic } from '../shared/topics.js';

/** `chinook/<system>`, the default prefix. */
export function defaultPrefix(system: string): string {
  return `chinook/${system}`;
}

export interface EnvelopeFields<T = unknown> {
  readonly domain: string;
  readonly owner: string;
  readonly version: number;
  readonly epoch: number;
  readonly seq: number;
  /** ms since 1970; written as ISO 8601. */
  readonly time: number;
  readonly state: T;
}

/** `{"protocol":…,"domain":…,"owner":…,"version":…,"epoch":` — the constant start of a domain's envelopes. */
function envelopeHead(domain: string, owner: string, version: number): string {
  return '{"protocol":"' + PROTOCOL + '","domain":' + JSON.stringify(domain) + ',"owner":' + JSON.stringify(owner) + ',"version":' + String(version) + ',"epoch":';
}

function envelopeJson(head: string, fields: EnvelopeFields, time: string, state = JSON.stringify(fields.state)): string {
  return head + String(fields.epoch) + ',"seq":' + String(fields.seq) + ',"time":"' + time + '","state":' + state + '}';
}

/**
 * The envelope as UTF-8 JSON bytes, keys in PROTOCOL.md's order. Built by concatenation
 * (no intermediate object) — the result is identical to JSON.stringify of the object.
 * Caches nothing: a publisher on the hot path uses its own `createEnvelopeEncoder()`.
 */
export function encodeEnvelope(fields: EnvelopeFields): Buffer {
  const head = envelopeHead(fields.domain, fields.owner, fields.version);
  return Buffer.from(envelopeJson(head, fields, new Date(fields.time).toISOString()), 'utf8');
}

/**
 * `new Date(ms).toISOString()` from a per-second cache. What it buys: formatting a Date
 * costs more than the rest of the envelope head, and an owner publishes many times a second
 * (the update bench); within one second only the milliseconds change.
 */
export interface IsoClock {
  format(time: number): string;
}

export function createIsoClock(): IsoClock {
  let second = Number.NaN;
  /** `toISOString()` of `second * 1000` without its `mmmZ`. */
  let prefix = '';
  return {
    format(time) {
      // Date truncates fractional milliseconds toward zero.
      const ms = Math.trunc(time);
      const s = Math.floor(ms / 1000);
      if (s !== second) {
        const full = new Date(s * 1000).toISOString();
        second = s;
        prefix = full.slice(0, full.length - 4);
      }
      const milli = Math.floor(ms - s * 1000);
      return prefix + (milli < 10 ? '00' : milli < 100 ? '0' : '') + String(milli) + 'Z';
    },
  };
}

/** Encodes one owner's envelopes; owned by that owner's publisher, so its caches hold only its own domains. */
export interface EnvelopeEncoder {
  encode(fields: EnvelopeFields): Buffer;
  /** The JSON of the state the last `encode` wrote (the publisher parses it into its own copy). */
  readonly lastStateJson: string;
}

export function createEnvelopeEncoder(): EnvelopeEncoder {
  /**
   * The envelope head, by domain. What it buys: an owner publishes the same few domains
   * over and over, and the head (three JSON.stringify calls) is the same each time.
   * Bounded by the domains the owner publishes.
   */
  const heads = new Map<string, { readonly owner: string; readonly version: number; readonly text: string }>();
  const clock = createIsoClock();
  let lastStateJson = 'null';
  return {
    encode(fields) {
      let head = heads.get(fields.domain);
      if (head === undefined || head.owner !== fields.owner || head.version !== fields.version) {
        head = { owner: fields.owner, version: fields.version, text: envelopeHead(fields.domain, fields.owner, fields.version) };
        heads.set(fields.domain, head);
      }
      lastStateJson = JSON.stringify(fields.state);
      return Buffer.from(envelopeJson(head.text, fields, clock.format(fields.time), lastStateJson), 'utf8');
    },
    get lastStateJson() {
      return lastStateJson;
    },
  };
}

export interface StatusFields {
  readonly service: string;
  readonly status: ServiceStatus;
  readonly epoch: number;
  /** ms since 1970; written as ISO 8601. */
  readonly time: number;
}

/** The status message as UTF-8 JSON bytes, keys in PROTOCOL.md's order. */
export function encodeStatus(fields: StatusFields): Buffer {
  const message: StatusMessage = {
    protocol: PROTOCOL,
    service: fields.service,
    status: fields.status,
    epoch: fields.epoch,
    time: new Date(fields.time).toISOString(),
  };
  return Buffer.from(JSON.stringify(message), 'utf8');
}

/** What a receiver knows about one domain when it checks an envelope for it (ordering: ordering.ts). */
export interface EnvelopeTarget extends OrderingState {
  readonly spec: DomainSpec;
}

export interface Rejection {
  readonly ok: false;
  readonly reason: RejectReason;
  readonly detail: string;
  /**
   * For `stale` only: the well-formed envelope, so that a receiver can keep the one of an
   * instance whose `online` it may have missed (applied if that `online` arrives later).
   */
  readonly envelope?: StateEnvelope;
}

export type DecodeResult<T = unknown> =
  | { readonly ok: true; readonly envelope: StateEnvelope<T>; readonly duplicate: false }
  /** Exactly the `(epoch, seq)` last applied: a redelivery (QoS 1, retained on resubscribe, own echo), dropped silently. */
  | { readonly ok: true; readonly envelope: StateEnvelope<T>; readonly duplicate: true }
  | Rejection;

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

const utf8 = new TextDecoder('utf-8');

function reject(reason: RejectReason, detail: string): Rejection {
  return { ok: false, reason, detail };
}

/** JSON text of a payload: Buffer's native decoder when it is one, TextDecoder otherwise. */
function payloadText(payload: Uint8Array | string): string {
  if (typeof payload === 'string') return payload;
  return Buffer.isBuffer(payload) ? payload.toString('utf8') : utf8.decode(payload);
}

function parseJson(payload: Uint8Array | string): unknown {
  try {
    return JSON.parse(payloadText(payload)) as unknown;
  } catch {
    return parseFailed;
  }
}
const parseFailed: unique symbol = Symbol('not-json');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function preview(value: unknown): string {
  if (value === undefined) return 'missing';
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    // Nested too deep to write back (a 10,000-deep array parses, but stringify overflows the stack).
    return Array.isArray(value) ? 'a deeply nested array' : 'a deeply nested object';
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The domain's fast check; a validator that throws (e.g. recursion on a deeply nested state) says no. */
function passesSchema(spec: DomainSpec, state: unknown): boolean {
  try {
    return spec.is(state);
  } catch {
    return false;
  }
}

/**
 * The checks every chinook/1 message passes first, in the order a receiver can afford: size
 * (before parsing), JSON, a JSON object, then `protocol` (so another protocol's message is
 * `wrong-protocol` whatever its shape). The parsed object, or why not.
 */
function parseChinookObject(
  payload: Uint8Array | string,
  maxPayloadBytes: number,
): { readonly ok: true; readonly value: Record<string, unknown> } | Rejection {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
  if (size > maxPayloadBytes) return reject('oversize', `${size} bytes, limit ${maxPayloadBytes}`);
  const value = parseJson(payload);
  if (value === parseFailed) return reject('not-json', `${size} bytes that do not parse as JSON`);
  if (!isRecord(value)) return reject('malformed-envelope', `expected a JSON object, got ${preview(value)}`);
  const protocol = value['protocol'];
  if (typeof protocol !== 'string') return reject('malformed-envelope', `"protocol" must be a string, got ${preview(protocol)}`);
  if (protocol !== PROTOCOL) return reject('wrong-protocol', `protocol ${preview(protocol)}, expected "${PROTOCOL}"`);
  return { ok: true, value };
}

/** Why an object is not a well-formed chinook/1 envelope (its protocol already checked), or undefined. */
function findMalformedField(o: Record<string, unknown>): string | undefined {
  if (typeof o['domain'] !== 'string') return `"domain" must be a string, got ${preview(o['domain'])}`;
  if (typeof o['owner'] !== 'string') return `"owner" must be a string, got ${preview(o['owner'])}`;
  if (!isCount(o['version']) || o['version'] < 1) return `"version" must be an integer >= 1, got ${preview(o['version'])}`;
  if (!isCount(o['epoch'])) return `"epoch" must be an integer >= 0, got ${preview(o['epoch'])}`;
  if (!isCount(o['seq']) || o['seq'] < 1) return `"seq" must be an integer >= 1, got ${preview(o['seq'])}`;
  if (typeof o['time'] !== 'string') return `"time" must be a string, got ${preview(o['time'])}`;
  if (!('state' in o)) return '"state" is missing';
  return undefined;
}

export type ParsedEnvelope = { readonly ok: true; readonly envelope: StateEnvelope } | Rejection;

/**
 * The checks of an envelope that depend on its bytes alone: size (before parsing), JSON,
 * protocol, envelope fields. What `decode-cache.ts` shares between the services of a process.
 */
export function parseEnvelope(payload: Uint8Array | string, maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES): ParsedEnvelope {
  const parsed = parseChinookObject(payload, maxPayloadBytes);
  if (!parsed.ok) return parsed;
  const malformed = findMalformedField(parsed.value);
  if (malformed !== undefined) return reject('malformed-envelope', malformed);
  return { ok: true, envelope: parsed.value as unknown as StateEnvelope };
}

/** Why a state fails its domain's schema, or undefined when it passes. */
export type SchemaCheck = (spec: DomainSpec, state: unknown) => string | undefined;

export const checkSchema: SchemaCheck = (spec, state) => (passesSchema(spec, state) ? undefined : describeIssues(spec, state));

/**
 * Decode and check one payload received on `<prefix>/state/<topicDomain>`, in the order
 * a receiver can afford: size (before parsing), JSON, protocol, envelope fields, domain
 * vs topic, known domain, owner, version, `(epoch, seq)`, schema.
 *
 * Deliberate deviations from listing order: `protocol` is checked before the other
 * fields, so that another protocol's message is called `wrong-protocol` whatever its
 * shape; `(epoch, seq)` is checked before the schema, so that a duplicate or stale
 * envelope never costs a validation.
 *
 * `target` is undefined when the topic's domain is not in the system (`unknown-domain`).
 */
export function decodeEnvelope<T = unknown>(
  payload: Uint8Array | string,
  topicDomain: string,
  target: EnvelopeTarget | undefined,
  maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
): DecodeResult<T> {
  const parsed = parseEnvelope(payload, maxPayloadBytes);
  if (!parsed.ok) return parsed;
  return checkEnvelope(parsed.envelope as StateEnvelope<T>, topicDomain, target, checkSchema);
}

/** The checks of a parsed envelope against what this receiver knows: domain, owner, version, `(epoch, seq)`, then the schema. */
export function checkEnvelope<T = unknown>(
  envelope: StateEnvelope<T>,
  topicDomain: string,
  target: EnvelopeTarget | undefined,
  schema: SchemaCheck,
): DecodeResult<T> {
  if (envelope.domain !== topicDomain) {
    return reject('wrong-domain', `envelope names domain "${envelope.domain}" on the topic of "${topicDomain}"`);
  }
  if (target === undefined) return reject('unknown-domain', `"${topicDomain}" is not a domain of this system`);
  const spec = target.spec;
  if (envelope.owner !== spec.owner) {
    return reject('foreign-owner', `owner "${envelope.owner}", but "${topicDomain}" is owned by "${spec.owner}"`);
  }
  if (envelope.version !== spec.version) {
    return reject('wrong-version', `version ${envelope.version}, expected ${spec.version}`);
  }

  const verdict = orderEnvelope(target, envelope.epoch, envelope.seq);
  if (verdict === 'duplicate') return { ok: true, envelope, duplicate: true };
  if (verdict === 'stale') {
    const detail = `(epoch ${envelope.epoch}, seq ${envelope.seq}) is not after the applied (${target.epoch}, ${target.seq}) and not from the owner's online instance`;
    return { ok: false, reason: 'stale', detail, envelope };
  }

  const issues = schema(spec, envelope.state);
  if (issues !== undefined) return reject('schema-invalid', issues);
  return { ok: true, envelope, duplicate: false };
}

function describeIssues(spec: DomainSpec, state: unknown): string {
  let issues;
  try {
    issues = spec.explain(state);
  } catch {
    return 'state does not match the schema';
  }
  if (issues.length === 0) return 'state does not match the schema';
  const shown = issues.slice(0, 3).map((i) => `${i.path === '' ? '/' : i.path} ${i.message}`);
  const more = issues.length > 3 ? ` (+${issues.length - 3} more)` : '';
  return shown.join('; ') + more;
}

export type StatusDecodeResult = { readonly ok: true; readonly message: StatusMessage } | Rejection;

/** Decode and check one payload received on `<prefix>/status/<topicService>`. */
export function decodeStatus(
  payload: Uint8Array | string,
  topicService: string,
  maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
): StatusDecodeResult {
  const parsed = parseChinookObject(payload, maxPayloadBytes);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  const service = value['service'];
  if (service !== topicService) {
    return reject('malformed-envelope', `"service" is ${preview(service)} on the status topic of "${topicService}"`);
  }
  const status = value['status'];
  if (status !== 'online' && status !== 'offline') {
    return reject('malformed-envelope', `"status" must be "online" or "offline", got ${preview(status)}`);
  }
  if (!isCount(value['epoch'])) return reject('malformed-envelope', `"epoch" must be an integer >= 0, got ${preview(value['epoch'])}`);
  if (typeof value['time'] !== 'string') return reject('malformed-envelope', `"time" must be a string, got ${preview(value['time'])}`);
  return { ok: true, message: value as unknown as StatusMessage };
}
