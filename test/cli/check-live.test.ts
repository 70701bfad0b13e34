/**
 * `chinook check-live` against real brokers started here: retained states written the way
 * owners (and mistakes) write them, checked against the reference manifests; the command
 * itself writes nothing to the bus (no will, no status, on Redis no CONFIG SET and no will
 * fired for a dead client).
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createBus } from '../../src/bus/create-bus.js';
import type { Bus, BusMessage } from '../../src/bus/bus.js';
import { encodeEnvelope } from '../../src/runtime/envelope.js';
import { describeIfBinary, startMosquitto, startRedis, type ExternalBroker } from '../support/brokers.js';
import { BIN, ROOT, runCli, type CliRun } from '../manifest/run-cli.js';
import { redisCli } from '../e2e/watch.js';


const brokers: ExternalBroker[] = [];
afterAll(async () => {
  await Promise.all(brokers.map((b) => b.stop()));
});

/** The built CLI, without blocking this process's event loop (the test watches the bus meanwhile). */
function runCliAsync(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const lamp = { id: 'hall', room: 'hall', on: true, brightness: 50, color: null };

/** One retained state per case: valid, failing the schema, another version, another owner, not JSON, a domain the system no longer has. */
async function writeRetainedStates(bus: Bus): Promise<void> {
  const envelope = (domain: string, owner: string, version: number, state: unknown): Buffer => encodeEnvelope({ domain, owner, version, epoch: 1_700_000_000_000, seq: 3, time: Date.UTC(2026, 10, 30, 12), state });
  const retained = { retain: true };
  await bus.publish('chinook/home/state/lighting', envelope('lighting', 'lighting-service', 1, { lamps: [lamp] }), retained);
  await bus.publish('chinook/home/state/presence', envelope('presence', 'presence-service', 1, { rooms: 'none' }), retained);
  await bus.publish('chinook/home/state/tariff', envelope('tariff', 'energy-service', 2, { currentPricePerKWh: 0.3, slots: [] }), retained);
  await bus.publish('chinook/home/state/climate', envelope('climate', 'someone-else', 1, {}), retained);
  await bus.publish('chinook/home/state/security', Buffer.from('{not json'), retained);
  await bus.publish('chinook/home/state/garden', envelope('garden', 'garden-service', 1, {}), retained);
}

function expectReport(run: CliRun, url: string): void {
  expect(run.stderr).toBe('');
  expect(run.status).toBe(1);
  const lines = run.stdout.split('\n');
  expect(lines[0]).toBe(`chinook/home on ${url}:`);
  const row = (domain: string): string => lines.find((l) => l.trim().split(/\s+/)[1] === domain) ?? '';
  expect(row('lighting')).toMatch(/^ {2}ok +lighting +version 1, seq 3, published 2026-11-30T12:00:00.000Z$/);
  expect(row('presence')).toMatch(/REJECTED +presence +schema-invalid: \/rooms must be array/);
  expect(row('tariff')).toMatch(/REJECTED +tariff +wrong-version: version 2, expected 1/);
  expect(row('climate')).toMatch(/REJECTED +climate +foreign-owner: owner "someone-else"/);
  expect(row('security')).toMatch(/REJECTED +security +not-json/);
  expect(row('garden')).toMatch(/REJECTED +garden +unknown-domain/);
  expect(row('power')).toMatch(/missing +power +no retained state/);
  expect(lines).toContain('5 of 6 retained states would be rejected by the current code');
}

describeIfBinary('mosquitto', 'chinook check-live on mosquitto', () => {
  it('lists each retained state with why the current code would reject it, exit 1; publishes nothing; the password never shows', async () => {
    const broker = await startMosquitto();
    brokers.push(broker);
    const writer = createBus(broker.url, { clientId: 'writer' });
    await writer.connect();
    await writeRetainedStates(writer);
    const live: BusMessage[] = [];
    writer.onMessage((m) => {
      if (!m.retained) live.push(m);
    });
    await writer.subscribe('#');
    const url = broker.url.replace('mqtt://', 'mqtt://watcher:s3cret@');
    const run = await runCliAsync(['check-live', '--broker', url, '--timeout', '3000']);
    expectReport(run, url.replace('s3cret', '***'));
    expect(run.stdout).not.toContain('s3cret');
    expect(live, 'check-live published nothing (no will, no status)').toEqual([]);
    await writer.close();
  }, 60_000);

  it('exit 0 when every retained state would be accepted; json form', async () => {
    const broker = await startMosquitto();
    brokers.push(broker);
    const writer = createBus(broker.url, { clientId: 'writer' });
    await writer.connect();
    await writer.publish('chinook/home/state/lighting', encodeEnvelope({ domain: 'lighting', owner: 'lighting-service', version: 1, epoch: 1, seq: 1, time: 0, state: { lamps: [] } }), { retain: true });
    await writer.close();
    const run = await runCliAsync(['check-live', '--broker', broker.url, '--timeout', '1500', '--format', 'json']);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { ok: boolean; domains: { domain: string; result: string }[] };
    expect(result.ok).toBe(true);
    expect(result.domains.find((d) => d.domain === 'lighting')!.result).toBe('ok');
    expect(result.domains.filter((d) => d.result === 'missing').map((d) => d.domain)).toEqual(['climate', 'power', 'presence', 'security', 'tariff']);
  }, 60_000);
});

describeIfBinary('redis-server', 'chinook check-live on Redis', () => {
  it('the same report; no CONFIG SET, and a dead client\'s will is not fired by the observer', async () => {
    const broker = await startRedis();
    brokers.push(broker);
    const writer = createBus(broker.url, { clientId: 'writer' });
    await writer.connect();
    await writeRetainedStates(writer);
    await writer.close();
    // The writer (a normal adapter) turned expiry notifications on: off again, to see that the observer leaves them.
    await redisCli(broker.port, ['CONFIG', 'SET', 'notify-keyspace-events', '']);
    // A client that died without anyone noticing: a normal adapter connecting now would fire this will.
    await redisCli(broker.port, ['HSET', '$chinook/will/ghost', 'topic', 'chinook/home/status/ghost', 'payload', 'offline']);
    const run = await runCliAsync(['check-live', '--broker', broker.url, '--timeout', '3000']);
    expectReport(run, broker.url);
    expect((await redisCli(broker.port, ['CONFIG', 'GET', 'notify-keyspace-events'])).split('\n')[1]).toBe('');
    expect((await redisCli(broker.port, ['EXISTS', '$chinook/will/ghost'])).trim()).toBe('1');
    expect((await redisCli(broker.port, ['EXISTS', 'chinook/home/status/ghost'])).trim()).toBe('0');
  }, 60_000);
});

describe('chinook check-live: usage', () => {
  it('no broker, a bad URL, a bad timeout: exit 2 with the usage; an unreachable bus: exit 2 within the timeout, password hidden', () => {
    const none = runCli(['check-live'], ROOT);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--broker URL is required');
    const bad = runCli(['check-live', '--broker', 'http://me:hunter2@example.com'], ROOT);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unsupported bus URL `http://me:***@example.com/`');
    expect(bad.stderr).not.toContain('hunter2');
    expect(runCli(['check-live', '--broker', 'mqtt://127.0.0.1:1', '--timeout', 'soon'], ROOT).status).toBe(2);
    const started = Date.now();
    const unreachable = runCli(['check-live', '--broker', 'redis://:hunter2@127.0.0.1:1', '--timeout', '1000'], ROOT);
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr).toContain('cannot read the bus at redis://:***@127.0.0.1:1');
    expect(unreachable.stderr).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(runCli(['check-live', '--help'], ROOT).status).toBe(0);
  }, 60_000);
});
