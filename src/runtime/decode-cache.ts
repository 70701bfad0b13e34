/**
 * One decode per process. Every service receives every update of every domain, and when
 * several services share a process (`chinook run --in-process`, or tests) each of them used
 * to parse and validate the same bytes again: N parses per update in one process. Services
 * created from the same `SystemSpec` object (one generated system, loaded once) share a
 * cache here, so the second and later services of a process find the parsed envelope and
 * the schema's verdict of bytes already decoded by another.
 *
 * What stays per service, so counting and the ordering contract are unchanged: the size
 * limit (checked before the cache), domain/owner/version against its own store, and the
 * `(epoch, seq)` ordering of docs/protocol.md "Ordering and recovery" against its own memory;
 * each service counts its own applied/duplicate/rejected, as before. What is shared: the
 * parse of identical bytes (a pure function of them) and the schema's verdict on that state
 * (a pure function of state and spec; looked up only once ordering says the envelope
 * applies, so a duplicate or stale envelope still never costs a validation).
 *
 * Where it is safe: the state objects then live in several services' stores at once, so
 * every parsed envelope is deep-frozen before any service sees it (a handler that
 * mutated its `ctx.state` would otherwise change its neighbours'). That is why the cache is
 * used only for a domain that at least two services created from the same `SystemSpec`
 * receive: a service alone in its process (or a domain only one service of the process
 * receives) keeps its own unfrozen copies and pays nothing for the cache.
 *
 * Bounded: per state topic, the last RING_SIZE distinct payloads (copied: a payload from
 * mqtt.js is a view into a socket read of up to 64 KiB, which must not be kept alive).
 */
import type { DomainSpec, SystemSpec } from './contract.js';
import {
  checkEnvelope,
  checkSchema,
  decodeEnvelope,
  parseEnvelope,
  type DecodeResult,
  type EnvelopeTarget,
  type ParsedEnvelope,
} from './envelope.js';

/** `decodeEnvelope`'s signature: what the receiver calls for every state message. */
export type EnvelopeDecoder = (
  payload: Uint8Array | string,
  topicDomain: string,
  target: EnvelopeTarget | undefined,
  maxPayloadBytes: number,
) => DecodeResult;

/** Distinct payloads kept per topic: an owner's burst reaches the services of a process one connection after another. */
export const RING_SIZE = 32;

interface Slot {
  readonly payload: Buffer;
  readonly parsed: ParsedEnvelope;
  /** The schema's verdict on the state (undefined: passes), once asked for `spec`. */
  spec: DomainSpec | undefined;
  issues: string | undefined;
}

export interface DecodeCacheStats {
  hits: number;
  misses: number;
}

export interface DecodeCache {
  readonly decode: EnvelopeDecoder;
  readonly stats: DecodeCacheStats;
}

/**
 * Freeze a parsed JSON value and everything in it (JSON has no cycles). With a stack of its
 * own, not recursion: a 10,000-deep array parses, and must be rejected by its schema as
 * before (`schema-invalid`), not overflow the call stack here.
 */
function deepFreeze(root: unknown): void {
  const todo: unknown[] = [root];
  while (todo.length > 0) {
    const value = todo.pop();
    if (typeof value !== 'object' || value === null) continue;
    Object.freeze(value);
    for (const key of Object.keys(value)) todo.push((value as Record<string, unknown>)[key]);
  }
}

function findSlot(ring: Slot[], payload: Buffer): Slot | undefined {
  for (let i = ring.length - 1; i >= 0; i--) {
    const slot = ring[i]!;
    if (slot.payload.length === payload.length && slot.payload.equals(payload)) return slot;
  }
  return undefined;
}

/**
 * `shares(spec)`: do at least two services of this process receive that domain? When not
 * (an owner and one dependent in one process: the owner never decodes its own domain), a
 * cache would only add a copy and a freeze per update, so the plain decode runs.
 */
export function createDecodeCache(shares: (spec: DomainSpec) => boolean = () => true): DecodeCache {
  const rings = new Map<string, Slot[]>();
  const stats: DecodeCacheStats = { hits: 0, misses: 0 };

  const slotFor = (topic: string, payload: Buffer): Slot => {
    let ring = rings.get(topic);
    if (ring === undefined) rings.set(topic, (ring = []));
    const found = findSlot(ring, payload);
    if (found !== undefined) {
      stats.hits++;
      return found;
    }
    stats.misses++;
    const parsed = parseEnvelope(payload, Number.POSITIVE_INFINITY);
    // Frozen before any service sees it, valid or not: an envelope kept aside as pending
    // (receiver.ts) may be applied later by several services without coming back here.
    if (parsed.ok) deepFreeze(parsed.envelope);
    const slot: Slot = { payload: Buffer.from(payload), parsed, spec: undefined, issues: undefined };
    if (ring.length >= RING_SIZE) ring.shift();
    ring.push(slot);
    return slot;
  };

  const decode: EnvelopeDecoder = (payload, topicDomain, target, maxPayloadBytes) => {
    // Unknown domains and oversize payloads are rejected as before, without being kept; a domain one service receives is its own.
    if (target === undefined || !Buffer.isBuffer(payload) || payload.byteLength > maxPayloadBytes || !shares(target.spec)) {
      return decodeEnvelope(payload, topicDomain, target, maxPayloadBytes);
    }
    const slot = slotFor(target.spec.topic, payload);
    if (!slot.parsed.ok) return slot.parsed;
    return checkEnvelope(slot.parsed.envelope, topicDomain, target, (spec, state) => {
      if (slot.spec !== spec) {
        slot.issues = checkSchema(spec, state);
        slot.spec = spec;
      }
      return slot.issues;
    });
  };
  return { decode, stats };
}

interface Sharing {
  /** Services created from the system in this process, and how many of each. */
  joined: number;
  readonly instancesOf: Map<string, number>;
  cache: DecodeCache | undefined;
}

const bySystem = new WeakMap<SystemSpec, Sharing>();

/**
 * The decoder for a new service of `system`: plain `decodeEnvelope` while it is the only
 * one, the system's shared cache from the second on (the first then switches to it too,
 * through the getter the receiver calls). The cache shares a domain only while at least two
 * of the services created receive it (all but its owner's instances).
 */
export function joinDecodeSharing(system: SystemSpec, service: string): () => EnvelopeDecoder {
  let sharing = bySystem.get(system);
  if (sharing === undefined) bySystem.set(system, (sharing = { joined: 0, instancesOf: new Map(), cache: undefined }));
  const shared = sharing;
  shared.joined++;
  shared.instancesOf.set(service, (shared.instancesOf.get(service) ?? 0) + 1);
  if (shared.joined >= 2) shared.cache ??= createDecodeCache((spec) => shared.joined - (shared.instancesOf.get(spec.owner) ?? 0) >= 2);
  return () => shared.cache?.decode ?? decodeEnvelope;
}

/** The shared cache of a system, once two services of it were created in this process (for tests and the bench). */
export function decodeCacheOf(system: SystemSpec): DecodeCache | undefined {
  return bySystem.get(system)?.cache;
}
