import { describe, expect, it } from 'vitest';
import { encodeEnvelope, encodeStatus, type RuntimeLogEvent } from '../../../src/runtime/index.js';
import { createReceiver } from '../../../src/runtime/receiver.js';
import { createReportLimiter } from '../../../src/runtime/report-limiter.js';
import { createStore } from '../../../src/runtime/store.js';
import { createTestSystem } from '../fixtures.js';

function setup(throwOnApply = false) {
  const system = createTestSystem();
  const store = createStore(system);
  const reports: RuntimeLogEvent[] = [];
  const calls: string[] = [];
  const receiver = createReceiver({
    service: 'lighting-service', prefix: system.prefix, store, now: () => 0, maxPayloadBytes: 1024 * 1024,
    limiter: createReportLimiter(() => 0, 1000),
    hooks: {
      classifyOwned: () => 'receive',
      foreignDecoded: () => {},
      applied: (entry) => {
        calls.push(`applied ${entry.name}`);
        if (throwOnApply) throw new Error('bug');
      },
      peerChanged: (peer, status) => calls.push(`${peer} ${status}`),
      ownStatus: (status) => calls.push(`own ${status}`),
      report: (event) => reports.push(event),
    },
  });
  const envelope = (seq: number, watts = 1): Buffer =>
    encodeEnvelope({ domain: 'power', owner: 'power-service', version: 1, epoch: 10, seq, time: 0, state: { watts, source: 'grid' } });
  const send = (topic: string, payload: Buffer | string): void => receiver.onMessage({ topic: `${system.prefix}/${topic}`, payload: Buffer.from(payload), retained: false });
  return { store, receiver, reports, calls, envelope, send };
}

describe('receiver', () => {
  it('applies in order, drops duplicates silently, rejects stale and garbage with counts and rate-limited reports', () => {
    const { store, receiver, reports, calls, envelope, send } = setup();
    send('state/power', envelope(2, 2));
    send('state/power', envelope(2, 2));
    send('state/power', envelope(1, 1));
    send('state/power', 'nope');
    send('state/power', 'nope');
    expect(store.view['power']).toEqual({ watts: 2, source: 'grid' });
    expect(calls).toEqual(['applied power']);
    expect(receiver.counters).toMatchObject({ received: 5, applied: 1, duplicates: 1, rejected: { stale: 1, 'not-json': 2 } });
    expect(reports.map((r) => r.type === 'rejected' && r.reason)).toEqual(['stale', 'not-json']);
  });

  it('keeps the envelope of an instance whose online it missed, and applies it when that online comes', () => {
    const { store, receiver, send } = setup();
    const status = (epoch: number): Buffer => encodeStatus({ service: 'power-service', status: 'online', epoch, time: 0 });
    const at = (epoch: number, seq: number, watts: number): Buffer =>
      encodeEnvelope({ domain: 'power', owner: 'power-service', version: 1, epoch, seq, time: 0, state: { watts, source: 'grid' } });
    send('status/power-service', status(200));
    send('state/power', at(200, 3, 1));
    // A restarted owner whose clock went back: its online was lost, its envelopes look stale.
    send('state/power', at(100, 1, 2));
    send('state/power', at(100, 2, 3));
    expect(store.view['power']).toEqual({ watts: 1, source: 'grid' });
    expect(receiver.counters.rejected).toEqual({ stale: 2 });
    send('status/power-service', status(100));
    expect(store.view['power']).toEqual({ watts: 3, source: 'grid' });
    expect(store.status('power')).toMatchObject({ epoch: 100, seq: 2 });
  });

  it('records statuses, tells a change once, and hands the own status back', () => {
    const { store, calls, send } = setup();
    const status = (service: string, s: 'online' | 'offline'): Buffer => encodeStatus({ service, status: s, epoch: 1, time: 0 });
    send('status/power-service', status('power-service', 'online'));
    send('status/power-service', status('power-service', 'online'));
    send('status/lighting-service', status('lighting-service', 'offline'));
    expect(store.peers.get('power-service')).toMatchObject({ status: 'online' });
    expect(calls).toEqual(['power-service online', 'own offline', 'lighting-service offline']);
  });

  it('never lets an error escape to the bus: it is a counted, rate-limited rejection', () => {
    const { receiver, reports, envelope, send } = setup(true);
    expect(() => send('state/power', envelope(1))).not.toThrow();
    expect(() => send('state/power', envelope(2))).not.toThrow();
    expect(receiver.counters.rejected).toEqual({ 'malformed-envelope': 2 });
    expect(reports).toMatchObject([{ type: 'rejected', reason: 'malformed-envelope', detail: 'could not be checked: bug' }]);
  });

  it('rejects a 10,000-deep JSON array as a counted rejection, on state and status topics', () => {
    const { receiver, reports, send } = setup();
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    send('state/power', deep);
    send('status/power-service', deep);
    send('state/power', `{"protocol":"chinook/1","domain":"power","owner":"power-service","version":1,"epoch":1,"seq":1,"time":"x","state":${deep}}`);
    expect(receiver.counters.rejected).toEqual({ 'malformed-envelope': 2, 'schema-invalid': 1 });
    expect(reports.every((r) => r.type === 'rejected')).toBe(true);
    expect(reports[0]).toMatchObject({ detail: 'expected a JSON object, got a deeply nested array' });
  });
});
