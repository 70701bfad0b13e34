/**
 * Third-party clients looking at the bus: `mosquitto_sub` and `redis-cli`, run as their
 * users would run them, and checks of what they print against PROTOCOL.md.
 */
import { execFile } from 'node:child_process';
import { expect } from 'vitest';
import { REFERENCE } from './run-system.js';

export interface Seen {
  readonly topic: string;
  readonly retained: boolean;
  /** The payload as printed (UTF-8 JSON text). */
  readonly payload: string;
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

/**
 * `mosquitto_sub -h 127.0.0.1 -p PORT -t 'chinook/home/#' -q 1 -F '%t %r %p' -C count -W seconds`:
 * topic, retain flag and payload of each message, until `count` messages or `seconds` passed.
 */
export async function watchWithMosquittoSub(
  port: number,
  options: { readonly count: number; readonly seconds: number; readonly mqtt5?: boolean },
): Promise<Seen[]> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', `${REFERENCE.prefix}/#`, '-q', '1', '-F', '%t %r %p', '-C', String(options.count), '-W', String(options.seconds)];
  if (options.mqtt5) args.push('-V', 'mqttv5');
  const result = await run('mosquitto_sub', args, (options.seconds + 10) * 1000);
  // -W ends it with a non-zero code when fewer than `count` came: the lines are what counts.
  if (result.stdout === '' && result.stderr !== '') throw new Error(`mosquitto_sub failed: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const m = /^(\S+) ([01]) (.*)$/.exec(line);
      if (!m) throw new Error(`unexpected mosquitto_sub line: ${line}`);
      return { topic: m[1]!, retained: m[2] === '1', payload: m[3]! };
    });
}

/** `redis-cli -h 127.0.0.1 -p PORT <args…>`, its stdout. */
export async function redisCli(port: number, args: readonly string[]): Promise<string> {
  const result = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], 10_000);
  if (result.code !== 0) throw new Error(`redis-cli ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const ENVELOPE_KEYS = ['protocol', 'domain', 'owner', 'version', 'epoch', 'seq', 'time', 'state'];
export const STATUS_KEYS = ['protocol', 'service', 'status', 'epoch', 'time'];

function expectEpoch(epoch: unknown, where: string): void {
  expect(Number.isSafeInteger(epoch), `${where}: epoch ${String(epoch)} is an integer`).toBe(true);
  // Milliseconds since 1970, of an instance started in this test run (not seconds, not a counter).
  expect(epoch as number, `${where}: epoch is ms since 1970, not in the future`).toBeLessThanOrEqual(Date.now());
  expect(epoch as number, `${where}: epoch is ms since 1970, of a recent start`).toBeGreaterThan(Date.now() - 10 * 60_000);
}

function expectIsoTime(time: unknown, where: string): void {
  expect(time, `${where}: time is ISO 8601 UTC with ms`).toMatch(ISO_MS);
  expect(new Date(time as string).toISOString(), `${where}: time is a real instant`).toBe(time);
}

/**
 * Checks messages as a third-party client printed them against PROTOCOL.md: topics,
 * exact keys in the documented order, the owner and version of the topic map, epochs in
 * ms, ISO times, seq +1 per publish of an instance, status epochs matching their states'.
 * Returns the checked envelopes and statuses by topic.
 */
export function expectProtocolMessages(seen: readonly Seen[]): {
  readonly envelopes: ReadonlyMap<string, readonly Record<string, unknown>[]>;
  readonly statuses: ReadonlyMap<string, readonly Record<string, unknown>[]>;
} {
  const envelopes = new Map<string, Record<string, unknown>[]>();
  const statuses = new Map<string, Record<string, unknown>[]>();
  const statePrefix = `${REFERENCE.prefix}/state/`;
  const statusPrefix = `${REFERENCE.prefix}/status/`;
  for (const message of seen) {
    const parsed = JSON.parse(message.payload) as Record<string, unknown>;
    if (message.topic.startsWith(statePrefix)) {
      const domain = message.topic.slice(statePrefix.length);
      const spec = REFERENCE.domains[domain];
      expect(spec, `${message.topic} is the topic of a domain of the system`).toBeDefined();
      expect(Object.keys(parsed), `${message.topic}: envelope keys, in order`).toEqual(ENVELOPE_KEYS);
      expect(parsed).toMatchObject({ protocol: 'chinook/1', domain, owner: spec!.owner, version: spec!.version });
      expectEpoch(parsed['epoch'], message.topic);
      expect(Number.isSafeInteger(parsed['seq']) && (parsed['seq'] as number) >= 1, `${message.topic}: seq >= 1`).toBe(true);
      expectIsoTime(parsed['time'], message.topic);
      expect(typeof parsed['state'], `${message.topic}: state`).toBe('object');
      envelopes.set(domain, [...(envelopes.get(domain) ?? []), parsed]);
    } else if (message.topic.startsWith(statusPrefix)) {
      const service = message.topic.slice(statusPrefix.length);
      expect(REFERENCE.services[service], `${message.topic} is the status topic of a service`).toBeDefined();
      expect(Object.keys(parsed), `${message.topic}: status keys, in order`).toEqual(STATUS_KEYS);
      expect(parsed).toMatchObject({ protocol: 'chinook/1', service });
      expect(['online', 'offline']).toContain(parsed['status']);
      expectEpoch(parsed['epoch'], message.topic);
      expectIsoTime(parsed['time'], message.topic);
      statuses.set(service, [...(statuses.get(service) ?? []), parsed]);
    } else {
      throw new Error(`a message on ${message.topic}, outside the documented topics`);
    }
  }
  // One instance per owner here: seq goes up by exactly one per publish (QoS 1 loses none).
  for (const [domain, list] of envelopes) {
    for (let i = 1; i < list.length; i++) {
      expect(list[i]!['epoch'], `${domain}: one owner instance`).toBe(list[0]!['epoch']);
      expect(list[i]!['seq'], `${domain}: seq of the next publish`).toBe((list[i - 1]!['seq'] as number) + 1);
    }
    const owner = REFERENCE.domains[domain]!.owner;
    // `online` goes out before any state, so a watcher that saw states saw their owner's status.
    const status = statuses.get(owner)?.at(-1);
    expect(status, `${domain}: ${owner} published a status`).toBeDefined();
    expect(status!['epoch'], `${domain}: its envelopes carry the epoch of ${owner}'s status`).toBe(list[0]!['epoch']);
  }
  return { envelopes, statuses };
}
