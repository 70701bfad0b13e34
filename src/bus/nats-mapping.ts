/**
 * How chinook/1 topics map onto NATS JetStream key-value buckets and subjects (docs/protocol.md,
 * "NATS JetStream mapping"), and how a `nats://` URL is read. Pure functions, no NATS client.
 *
 * A topic `d1/…/dn/last` is key `last` of bucket `d1_…_dn`: `chinook/home/state/lighting` is
 * key `lighting` of bucket `chinook_home_state` — one bucket per system for state, one for
 * status, a key per domain or service. The value is the payload, as published.
 *
 * - Bucket names allow `[A-Za-z0-9_-]`: levels are joined by `_`; inside a level, letters
 *   and digits stay, `-` is written `--`, any other byte `-XX` (hex, upper case). So a
 *   system `home-lab` is bucket `chinook_home--lab_state`. A topic of one level (no
 *   directory) is in bucket `-`, a topic `/<key>` in bucket `-0`.
 * - Keys allow `[-/_=.A-Za-z0-9]`: letters, digits, `-` and `_` stay, any other byte is
 *   `=XX`, the empty level is `=`. A key is always one subject token.
 * - Subjects: a retained message is the KV entry `$KV.<bucket>.<key>` (a JetStream publish
 *   to that subject); a message published without retain goes to `chinook.live.<bucket>.<key>`
 *   (core NATS, never stored). Both are decoded back to the topic exactly.
 */
import { BusError } from './bus.js';

export const KV_SUBJECT_PREFIX = '$KV.';
export const LIVE_SUBJECT_PREFIX = 'chinook.live.';
/** The bucket of the will emulation. No topic maps to it: a `-` in an encoded level is followed by `-` or two hex digits. */
export const LIVENESS_BUCKET = 'chinook-liveness';
/** Bucket of topics with a single level (no directory), and of topics `/<key>` (one empty level): names no encoding makes. */
const ROOT_BUCKET = '-';
const EMPTY_LEVEL_BUCKET = '-0';

const hex = (byte: number): string => byte.toString(16).toUpperCase().padStart(2, '0');

function escapeBytes(text: string, keep: RegExp, escape: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 128 && keep.test(c) ? c : escape + hex(byte);
  }
  return out;
}

function unescapeBytes(text: string, escape: string, literal: Record<string, string> = {}): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== escape) {
      bytes.push(c.charCodeAt(0));
      continue;
    }
    const next = text[i + 1];
    if (next !== undefined && literal[next] !== undefined) {
      bytes.push(literal[next].charCodeAt(0));
      i += 1;
      continue;
    }
    const pair = text.slice(i + 1, i + 3);
    if (!/^[0-9A-F]{2}$/.test(pair)) return undefined;
    bytes.push(parseInt(pair, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}

const encodeBucketLevel = (level: string): string => escapeBytes(level, /[A-Za-z0-9]/, '-').replace(/-2D/g, '--');

/** The bucket holding the topics of directory `levels` (all levels of a topic but the last). */
export function encodeBucket(levels: readonly string[]): string {
  if (levels.length === 0) return ROOT_BUCKET;
  return levels.length === 1 && levels[0] === '' ? EMPTY_LEVEL_BUCKET : levels.map(encodeBucketLevel).join('_');
}

/** The directory levels of a bucket name; undefined for a name no topic maps to (e.g. the liveness bucket). */
export function decodeBucket(bucket: string): string[] | undefined {
  if (bucket === ROOT_BUCKET) return [];
  if (bucket === EMPTY_LEVEL_BUCKET) return [''];
  const levels: string[] = [];
  for (const level of bucket.split('_')) {
    const decoded = unescapeBytes(level, '-', { '-': '-' });
    if (decoded === undefined) return undefined;
    levels.push(decoded);
  }
  return levels;
}

export function encodeKey(level: string): string {
  return level === '' ? '=' : escapeBytes(level, /[A-Za-z0-9_-]/, '=');
}

export function decodeKey(key: string): string | undefined {
  return key === '=' ? '' : unescapeBytes(key, '=');
}

export interface KvAddress {
  readonly bucket: string;
  readonly key: string;
}

export function topicToKv(topic: string): KvAddress {
  const levels = topic.split('/');
  const last = levels.pop()!;
  return { bucket: encodeBucket(levels), key: encodeKey(last) };
}

/** The topic of a `$KV.<bucket>.<key>` or `chinook.live.<bucket>.<key>` subject; undefined for any other subject. */
export function subjectToTopic(subject: string): string | undefined {
  const rest = subject.startsWith(KV_SUBJECT_PREFIX)
    ? subject.slice(KV_SUBJECT_PREFIX.length)
    : subject.startsWith(LIVE_SUBJECT_PREFIX)
      ? subject.slice(LIVE_SUBJECT_PREFIX.length)
      : undefined;
  if (rest === undefined) return undefined;
  const dot = rest.indexOf('.');
  if (dot < 0 || rest.indexOf('.', dot + 1) >= 0) return undefined;
  const levels = decodeBucket(rest.slice(0, dot));
  const last = decodeKey(rest.slice(dot + 1));
  if (levels === undefined || last === undefined) return undefined;
  return [...levels, last].join('/');
}

/**
 * Where the retained messages of an MQTT pattern live. A pattern whose directory is literal
 * (the runtime's `<prefix>/state/+`) names one bucket and a key filter; any other (`#`, or a
 * wildcard before the last level) must look at every bucket whose directory it can match.
 */
export type SubscriptionPlan =
  | { readonly kind: 'bucket'; readonly bucket: string; readonly keyFilter: string }
  | { readonly kind: 'scan' };

export function planSubscription(pattern: string): SubscriptionPlan {
  const levels = pattern.split('/');
  const last = levels.pop()!;
  if (last === '#' || levels.some((l) => l === '+' || l === '#')) return { kind: 'scan' };
  return { kind: 'bucket', bucket: encodeBucket(levels), keyFilter: last === '+' ? '*' : encodeKey(last) };
}

/** The subjects a plan's messages arrive on: a retained one and a live one. */
export function planSubjects(plan: SubscriptionPlan): readonly [string, string] {
  const tail = plan.kind === 'bucket' ? `${plan.bucket}.${plan.keyFilter}` : '*.*';
  return [KV_SUBJECT_PREFIX + tail, LIVE_SUBJECT_PREFIX + tail];
}

/** Can a topic in directory `dir` match `pattern`? (For `scan` plans: which buckets to read.) */
export function directoryMayMatch(pattern: string, dir: readonly string[]): boolean {
  const levels = pattern.split('/');
  for (let i = 0; i < dir.length; i++) {
    const level = levels[i];
    if (level === '#') return i > 0 || !dir[0]!.startsWith('$');
    if (level === undefined || i === levels.length - 1) return false;
    if (level === '+') {
      if (i === 0 && dir[0]!.startsWith('$')) return false;
      continue;
    }
    if (level !== dir[i]) return false;
  }
  // The topic's last level must be matched by the pattern's level at dir.length (or `#` there, or right after: `a/#` matches `a`).
  const next = levels[dir.length];
  return next !== undefined && (levels.length === dir.length + 1 || next === '#' || levels[dir.length + 1] === '#');
}

export interface NatsUrl {
  /** `host:port` of each server, in order. */
  readonly servers: readonly string[];
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** Replicas of the buckets this client creates (`?replicas=`): 1 (default) or 3 or 5 on a cluster. */
  readonly replicas: number;
  /** For messages: the servers, never the credentials. */
  readonly where: string;
}

const invalid = (why: string): BusError => new BusError(`invalid NATS URL: ${why} (expected nats://[user:pass@]host[:port][,host[:port]…][?replicas=N])`, 'bus-url-invalid');

/** Reads the credentials and servers of `nats://[user:pass@|token@]host[:port][,host[:port]…][?replicas=N]`. */
export function parseNatsUrl(url: string): NatsUrl {
  const match = /^nats:\/\/([^?#]*)(?:\?([^#]*))?$/i.exec(url);
  if (!match) throw invalid('not a nats:// URL');
  let authority = match[1]!.replace(/\/+$/, '');
  let user: string | undefined;
  let pass: string | undefined;
  let token: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const info = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = info.indexOf(':');
    if (colon >= 0) {
      user = decodeURIComponent(info.slice(0, colon));
      pass = decodeURIComponent(info.slice(colon + 1));
    } else token = decodeURIComponent(info);
  }
  const servers = authority.split(',').map((s) => s.trim().replace(/^nats:\/\//i, ''));
  for (const server of servers) {
    if (!/^(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/i.test(server)) throw invalid(`\`${server || '(empty)'}\` is not host[:port]`);
    const port = /:(\d+)$/.exec(server)?.[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw invalid(`port ${port} is out of range`);
  }
  const params = new URLSearchParams(match[2] ?? '');
  for (const name of params.keys()) if (name !== 'replicas') throw invalid(`unknown option \`${name}\``);
  const replicasText = params.get('replicas') ?? '1';
  const replicas = Number(replicasText);
  if (!/^\d+$/.test(replicasText) || replicas < 1 || replicas > 5) throw invalid(`replicas must be 1 to 5 (got \`${replicasText}\`)`);
  const serverList = servers.map((s) => (/:\d+$/.test(s) ? s : `${s}:4222`));
  return {
    servers: serverList,
    ...(user !== undefined ? { user } : {}),
    ...(pass !== undefined ? { pass } : {}),
    ...(token !== undefined ? { token } : {}),
    replicas,
    where: `nats://${serverList.join(',')}`,
  };
}
