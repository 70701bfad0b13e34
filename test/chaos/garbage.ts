/**
 * Garbage for the flood scenario: every kind of bad message a receiver must reject
 * (not JSON, wrong protocol, domain, owner or version, invalid state, out-of-range
 * ordering fields, deep nesting, unknown domains, bad status messages), cycled.
 */
import type { SystemSpec } from '../../src/runtime/index.js';

export interface GarbageMessage {
  readonly topic: string;
  readonly payload: Buffer;
}

type Maker = (spec: SystemSpec, domain: string, i: number) => GarbageMessage;

const envelope = (spec: SystemSpec, domain: string, fields: Record<string, unknown>): Buffer =>
  Buffer.from(
    JSON.stringify({
      protocol: 'chinook/1',
      domain,
      owner: spec.domains[domain]!.owner,
      version: 1,
      epoch: 1,
      seq: 1,
      time: new Date(0).toISOString(),
      state: { value: -1, by: 'forger' },
      ...fields,
    }),
  );

const stateTopic = (spec: SystemSpec, domain: string): string => `${spec.prefix}/state/${domain}`;

const deepArray = '['.repeat(10_000) + ']'.repeat(10_000);

const makers: readonly Maker[] = [
  (spec, d, i) => ({ topic: stateTopic(spec, d), payload: Buffer.from(`garbage ${i} \u0000\u00ff{`) }),
  (spec, d) => ({ topic: stateTopic(spec, d), payload: envelope(spec, d, { protocol: 'chinook/2' }) }),
  (spec, d) => ({ topic: stateTopic(spec, d), payload: envelope(spec, d, { domain: 'elsewhere' }) }),
  (spec, d) => ({ topic: stateTopic(spec, d), payload: envelope(spec, d, { owner: 'forger' }) }),
  (spec, d) => ({ topic: stateTopic(spec, d), payload: envelope(spec, d, { version: 2 }) }),
  (spec, d) => ({ topic: stateTopic(spec, d), payload: envelope(spec, d, { state: { value: 'x' } }) }),
  (spec, d) => ({ topic: stateTopic(spec, d), payload: envelope(spec, d, { seq: -1 }) }),
  (spec, d) => ({ topic: stateTopic(spec, d), payload: envelope(spec, d, { seq: 2 ** 60 }) }),
  (spec, d) => ({ topic: stateTopic(spec, d), payload: envelope(spec, d, { epoch: 1.5 }) }),
  (spec, d) => ({ topic: stateTopic(spec, d), payload: envelope(spec, d, { epoch: 1e300 }) }),
  (spec, d) => ({ topic: stateTopic(spec, d), payload: Buffer.from(deepArray) }),
  (spec, d) => ({ topic: stateTopic(spec, d), payload: Buffer.from(`{"protocol":"chinook/1","state":${deepArray}}`) }),
  // Well-formed, valid, but older than anything the owner published: stale.
  (spec, d) => ({ topic: stateTopic(spec, d), payload: envelope(spec, d, {}) }),
  (spec, _d, i) => ({ topic: stateTopic(spec, `unknown-${i % 7}`), payload: Buffer.from('{}') }),
  (spec, d) => ({ topic: `${spec.prefix}/status/${spec.domains[d]!.owner}`, payload: Buffer.from('not a status') }),
  (spec, d) => ({
    topic: `${spec.prefix}/status/${spec.domains[d]!.owner}`,
    payload: Buffer.from(JSON.stringify({ protocol: 'chinook/1', service: 'someone-else', status: 'offline', epoch: 1, time: new Date(0).toISOString() })),
  }),
  (spec, d) => ({
    topic: `${spec.prefix}/status/${spec.domains[d]!.owner}`,
    payload: Buffer.from(JSON.stringify({ protocol: 'chinook/1', service: spec.domains[d]!.owner, status: 'asleep', epoch: 1, time: 'now' })),
  }),
];

/**
 * The i-th garbage message, over `domains` and every kind of garbage in turn. Only domains
 * whose owner is running: a valid envelope for a domain nobody has published yet cannot be
 * told from its owner's (that is what broker ACLs are for, docs/security.md).
 */
export function garbageMessage(spec: SystemSpec, domains: readonly string[], i: number): GarbageMessage {
  const maker = makers[i % makers.length]!;
  return maker(spec, domains[Math.floor(i / makers.length) % domains.length]!, i);
}

/** An envelope larger than the default 1 MiB limit. */
export function oversizeMessage(spec: SystemSpec, domain: string): GarbageMessage {
  return { topic: stateTopic(spec, domain), payload: envelope(spec, domain, { state: { value: 1, by: 'x'.repeat(1_100_000) } }) };
}

export const GARBAGE_KINDS = makers.length + 1;
