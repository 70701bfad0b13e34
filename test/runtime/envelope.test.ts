import { describe, expect, it } from 'vitest';
import {
  decodeEnvelope,
  decodeStatus,
  encodeEnvelope,
  encodeStatus,
  stateTopic,
  statusTopic,
  type EnvelopeTarget,
  type RejectReason,
} from '../../src/runtime/index.js';
import { createEnvelopeEncoder, createIsoClock } from '../../src/runtime/envelope.js';
import { createTestSystem } from './fixtures.js';

const system = createTestSystem();
const power = system.domains['power']!;
const fresh: EnvelopeTarget = { spec: power, epoch: -1, seq: 0 };

const valid = {
  protocol: 'chinook/1',
  domain: 'power',
  owner: 'power-service',
  version: 1,
  epoch: 1764342000123,
  seq: 42,
  time: '2026-11-28T15:00:00.000Z',
  state: { watts: 1200, source: 'grid' },
};
const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('encode', () => {
  it('writes the state envelope with exactly the keys and order of PROTOCOL.md', () => {
    const payload = encodeEnvelope({
      domain: 'power', owner: 'power-service', version: 1, epoch: 1764342000123, seq: 42,
      time: Date.parse('2026-11-28T15:00:00.000Z'), state: { watts: 1200, source: 'grid' },
    });
    expect(payload.toString('utf8')).toBe(JSON.stringify(valid));
    expect(Object.keys(JSON.parse(payload.toString('utf8')) as object)).toEqual(['protocol', 'domain', 'owner', 'version', 'epoch', 'seq', 'time', 'state']);
  });

  it('escapes names as JSON', () => {
    const payload = encodeEnvelope({ domain: 'a"b', owner: 'c\\d', version: 2, epoch: 1, seq: 1, time: 0, state: null });
    expect(JSON.parse(payload.toString('utf8'))).toMatchObject({ domain: 'a"b', owner: 'c\\d', state: null, time: '1970-01-01T00:00:00.000Z' });
  });

  it('writes the time exactly as Date#toISOString, whatever the cached second or the owner/version of a cached head', () => {
    const times = [0, 1, 999, 1000, 1001, -1, -999, -1000, -1001, 1.9, -0.5, 1764342000123, 1764342000999, 1764342001000, 253402300800000, -62198755200001];
    for (const time of times) {
      const parsed = JSON.parse(encodeEnvelope({ domain: 'power', owner: 'power-service', version: 1, epoch: 1, seq: 1, time, state: null }).toString('utf8')) as { time: string };
      expect(parsed.time, `time ${time}`).toBe(new Date(time).toISOString());
    }
    const other = JSON.parse(encodeEnvelope({ domain: 'power', owner: 'someone-else', version: 3, epoch: 1, seq: 1, time: 0, state: null }).toString('utf8')) as object;
    expect(other).toMatchObject({ domain: 'power', owner: 'someone-else', version: 3 });
  });

  it('an owner\'s encoder (cached heads and second) writes exactly what encodeEnvelope writes', () => {
    const encoder = createEnvelopeEncoder();
    const clock = createIsoClock();
    const times = [0, 1, 999, 1000, 1001, -1, -999, -1000, -1001, 1.9, -0.5, 1764342000123, 1764342000999, 1764342001000, 253402300800000, -62198755200001];
    for (const time of times) {
      expect(clock.format(time), `time ${time}`).toBe(new Date(time).toISOString());
      for (const [owner, version] of [['power-service', 1], ['someone-else', 3]] as const) {
        const fields = { domain: 'power', owner, version, epoch: 1, seq: 2, time, state: { watts: 1 } };
        expect(encoder.encode(fields).toString()).toBe(encodeEnvelope(fields).toString());
      }
    }
  });

  it('writes the status message with exactly the keys and order of PROTOCOL.md', () => {
    const payload = encodeStatus({ service: 'lighting-service', status: 'online', epoch: 1764342000123, time: Date.parse('2026-11-28T15:00:00.000Z') });
    expect(payload.toString('utf8')).toBe(
      '{"protocol":"chinook/1","service":"lighting-service","status":"online","epoch":1764342000123,"time":"2026-11-28T15:00:00.000Z"}',
    );
  });

  it('names topics as PROTOCOL.md', () => {
    expect(stateTopic('chinook/home', 'lighting')).toBe('chinook/home/state/lighting');
    expect(statusTopic('chinook/home', 'lighting-service')).toBe('chinook/home/status/lighting-service');
  });
});

describe('decodeEnvelope', () => {
  it('accepts a valid envelope from a Buffer, a Uint8Array and a string', () => {
    for (const payload of [bytes(valid), new Uint8Array(bytes(valid)), JSON.stringify(valid)]) {
      const result = decodeEnvelope(payload, 'power', fresh);
      expect(result).toMatchObject({ ok: true, duplicate: false, envelope: valid });
    }
  });

  it('round-trips what encodeEnvelope writes', () => {
    const payload = encodeEnvelope({ domain: 'power', owner: 'power-service', version: 1, epoch: 5, seq: 1, time: 0, state: { watts: 1, source: 'solar' } });
    expect(decodeEnvelope(payload, 'power', fresh).ok).toBe(true);
  });

  const cases: [string, RejectReason, Buffer | string, string, EnvelopeTarget | undefined, RegExp][] = [
    ['too large (checked before parsing)', 'oversize', Buffer.alloc(2000, 0x20), 'power', fresh, /2000 bytes, limit 1000/],
    ['not JSON', 'not-json', 'hello', 'power', fresh, /do not parse/],
    ['empty (a cleared retained message)', 'not-json', '', 'power', fresh, /0 bytes/],
    ['JSON but not an object', 'malformed-envelope', '[1,2]', 'power', fresh, /JSON object/],
    ['no protocol', 'malformed-envelope', JSON.stringify({ ...valid, protocol: undefined }), 'power', fresh, /"protocol"/],
    ['another protocol', 'wrong-protocol', JSON.stringify({ ...valid, protocol: 'chinook/2' }), 'power', fresh, /chinook\/2/],
    ['another protocol, any shape', 'wrong-protocol', '{"protocol":"homie/4"}', 'power', fresh, /homie/],
    ['seq as a string', 'malformed-envelope', JSON.stringify({ ...valid, seq: '42' }), 'power', fresh, /"seq"/],
    ['seq 0', 'malformed-envelope', JSON.stringify({ ...valid, seq: 0 }), 'power', fresh, /"seq"/],
    ['fractional epoch', 'malformed-envelope', JSON.stringify({ ...valid, epoch: 1.5 }), 'power', fresh, /"epoch"/],
    ['epoch 2^53 (outside the safe range)', 'malformed-envelope', JSON.stringify({ ...valid, epoch: 2 ** 53 }), 'power', fresh, /"epoch"/],
    ['epoch 1e300', 'malformed-envelope', JSON.stringify({ ...valid, epoch: 1e300 }), 'power', fresh, /"epoch"/],
    ['seq 2^53 (outside the safe range)', 'malformed-envelope', JSON.stringify({ ...valid, seq: 2 ** 53 }), 'power', fresh, /"seq"/],
    ['negative epoch', 'malformed-envelope', JSON.stringify({ ...valid, epoch: -1 }), 'power', fresh, /"epoch"/],
    ['no time', 'malformed-envelope', JSON.stringify({ ...valid, time: undefined }), 'power', fresh, /"time"/],
    ['no state', 'malformed-envelope', JSON.stringify({ ...valid, state: undefined }), 'power', fresh, /"state"/],
    ['owner not a string', 'malformed-envelope', JSON.stringify({ ...valid, owner: 7 }), 'power', fresh, /"owner"/],
    ['domain other than the topic', 'wrong-domain', bytes(valid), 'lighting', { spec: system.domains['lighting']!, epoch: -1, seq: 0 }, /"power" on the topic of "lighting"/],
    ['domain not in the system', 'unknown-domain', JSON.stringify({ ...valid, domain: 'garden' }), 'garden', undefined, /"garden"/],
    ['foreign owner', 'foreign-owner', JSON.stringify({ ...valid, owner: 'mallory' }), 'power', fresh, /"mallory".*power-service/],
    ['wrong version', 'wrong-version', JSON.stringify({ ...valid, version: 2 }), 'power', fresh, /version 2, expected 1/],
    ['older seq', 'stale', bytes(valid), 'power', { spec: power, epoch: valid.epoch, seq: 43 }, /seq 42.*43/],
    ['older epoch', 'stale', bytes(valid), 'power', { spec: power, epoch: valid.epoch + 1, seq: 1 }, /not after/],
    ['schema-invalid', 'schema-invalid', JSON.stringify({ ...valid, state: { watts: -1, source: 'wind' } }), 'power', fresh, /\/watts must be >= 0; \/source/],
  ];

  it.each(cases)('rejects %s as %s', (_name, reason, payload, domain, target, detail) => {
    const result = decodeEnvelope(payload, domain, target, 1000);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe(reason);
    expect(result.detail).toMatch(detail);
  });

  it('calls explain only when is fails', () => {
    let explained = 0;
    const spec = { ...power, explain: (v: unknown) => (explained++, power.explain(v)) };
    expect(decodeEnvelope(bytes(valid), 'power', { spec, epoch: -1, seq: 0 }).ok).toBe(true);
    expect(explained).toBe(0);
    expect(decodeEnvelope(JSON.stringify({ ...valid, state: {} }), 'power', { spec, epoch: -1, seq: 0 }).ok).toBe(false);
    expect(explained).toBe(1);
  });

  it('calls an exact (epoch, seq) repeat a duplicate, not a rejection', () => {
    expect(decodeEnvelope(bytes(valid), 'power', { spec: power, epoch: valid.epoch, seq: 42 })).toMatchObject({ ok: true, duplicate: true });
  });

  it('accepts a newer epoch with a lower seq (a restarted owner)', () => {
    const restarted = { ...valid, epoch: valid.epoch + 10, seq: 1 };
    expect(decodeEnvelope(bytes(restarted), 'power', { spec: power, epoch: valid.epoch, seq: 900 })).toMatchObject({ ok: true, duplicate: false });
  });

  it('never throws, whatever the bytes', () => {
    const weird = ['null', 'true', '"x"', '{"__proto__":{"protocol":"chinook/1"}}', '\u0000', '{"protocol":"chinook/1","state":1e999}', '\xff\xfe'];
    for (const text of weird) expect(() => decodeEnvelope(Buffer.from(text, 'latin1'), 'power', fresh)).not.toThrow();
  });
});

describe('decodeStatus', () => {
  const status = { protocol: 'chinook/1', service: 'power-service', status: 'offline', epoch: 1, time: '2026-11-28T15:00:00.000Z' };
  it('accepts a valid status', () => {
    expect(decodeStatus(bytes(status), 'power-service')).toMatchObject({ ok: true, message: status });
  });
  it.each([
    ['not-json', 'nope'],
    ['wrong-protocol', JSON.stringify({ ...status, protocol: 'x' })],
    ['malformed-envelope', JSON.stringify({ ...status, status: 'sleeping' })],
    ['malformed-envelope', JSON.stringify({ ...status, service: 'other' })],
    ['malformed-envelope', JSON.stringify({ ...status, epoch: 'x' })],
  ])('rejects as %s: %s', (reason, payload) => {
    expect(decodeStatus(payload, 'power-service')).toMatchObject({ ok: false, reason });
  });
});

describe('decodeEnvelope on an owned domain', () => {
  it('calls an older seq of its own epoch an echo (duplicate), of another epoch stale', () => {
    const target: EnvelopeTarget = { spec: power, epoch: valid.epoch, seq: 50, ownEpoch: valid.epoch };
    expect(decodeEnvelope(bytes(valid), 'power', target)).toMatchObject({ ok: true, duplicate: true });
    expect(decodeEnvelope(bytes(valid), 'power', { ...target, ownEpoch: valid.epoch + 1 })).toMatchObject({ ok: false, reason: 'stale' });
  });
});
