import { describe, expect, it } from 'vitest';
import { BusError } from '../../src/bus/bus.js';
import { createBus } from '../../src/bus/create-bus.js';
import { redactUrl } from '../../src/bus/url.js';
import { main } from '../../src/cli/main.js';

const SECRET = 'hunter2-S3cret';

/** Every URL the bus refuses, each with a password: the error must name the URL without it (issue 12 item 5). */
const badUrls = [
  `mqtt://svc:${SECRET}@127.0.0.1:1883?protocol=9`,
  `mqtt://svc:${SECRET}@`,
  `mqtts://svc:${SECRET}@:8883`,
  `mqtt://svc:${SECRET}@host:99999`,
  `redis://svc:${SECRET}@127.0.0.1:6379/abc`,
  `redis://svc:${SECRET}@127.0.0.1:6379/-1`,
  `rediss://svc:${SECRET}@[::1`,
  `ws://svc:${SECRET}@127.0.0.1:8080`,
  `http://svc:${SECRET}@127.0.0.1`,
  `svc:${SECRET}@127.0.0.1:1883`,
];

describe('bus URLs never leak their password', () => {
  it.each(badUrls)('refuses %s without repeating the password', (url) => {
    let caught: unknown;
    try {
      createBus(url, { clientId: 'redaction-test' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BusError);
    expect((caught as BusError).code).toBe('bus-url-invalid');
    expect((caught as BusError).message).not.toContain(SECRET);
    expect((caught as BusError).message).not.toContain('hunter2');
  });

  it('redacts the password and keeps the rest', () => {
    expect(redactUrl(`mqtts://alice:${SECRET}@broker.example:8883/?protocol=5`)).toBe('mqtts://alice:***@broker.example:8883/?protocol=5');
    expect(redactUrl(`redis://:${SECRET}@h:6379/2`)).toBe('redis://:***@h:6379/2');
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379');
    expect(redactUrl('mqtt://alice@h')).toBe('mqtt://alice@h');
    // An unencoded `@` or `/` inside the password still does not leak any of it.
    expect(redactUrl('mqtt://u:p@ss/w@h:1')).toBe('mqtt://u:***@h:1');
  });

  it('`chinook run --broker` with a bad URL prints no password', async () => {
    let err = '';
    const code = await main(['run', '--broker', `mqtt://svc:${SECRET}@127.0.0.1:1?protocol=9`], {
      stderr: { write: (s: string) => ((err += s), true) } as never,
      stdout: { write: () => true } as never,
    });
    expect(code).toBe(2);
    expect(err).toContain('protocol must be 4');
    expect(err).not.toContain(SECRET);
  });
});
