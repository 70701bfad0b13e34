/**
 * `chinook prune`: on real mosquitto and redis-server (free ports), retained state of a
 * removed domain and the status of a removed service are listed (dry run), then cleared
 * with --yes; what belongs to the system stays. Passwords never show.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus } from '../../src/bus/create-bus.js';
import { main } from '../../src/cli/main.js';
import { findPrunable, maskPassword } from '../../src/cli/prune/find-prunable.js';
import { readRetainedTopics } from '../../src/cli/prune/read-retained.js';
import { describeIfBinary, startMosquitto, startRedis, type ExternalBroker } from '../support/brokers.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

const project = mkdtempSync(join(tmpdir(), 'chinook-prune-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));
mkdirSync(join(project, 'schemas'));
writeFileSync(join(project, 'chinook.config.yaml'), 'system: t\n');
writeFileSync(
  join(project, 'schemas', 'kept.domain.yaml'),
  ['domain: kept', 'owner: kept-service', 'version: 1', 'state:', '  type: object', '  properties:', '    n: { type: integer }', ''].join('\n'),
);

async function prune(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await main(['prune', ...args], { cwd: project, env: {}, stdout: out.stream, stderr: err.stream, color: false });
  return { code, out: out.text(), err: err.text() };
}

const ENVELOPE = (domain: string): Buffer => Buffer.from(JSON.stringify({ protocol: 'chinook/1', domain, version: 1, epoch: 1, seq: 1, state: { n: 1 } }));

/** Leaves what a removed domain and a removed service leave behind, next to the live system's own. */
async function seed(url: string): Promise<void> {
  const bus = createBus(url, { clientId: 'seed' });
  await bus.connect();
  await bus.publish('chinook/t/state/kept', ENVELOPE('kept'), { retain: true });
  await bus.publish('chinook/t/state/gone', ENVELOPE('gone'), { retain: true });
  await bus.publish('chinook/t/status/kept-service', Buffer.from('{"status":"online"}'), { retain: true });
  await bus.publish('chinook/t/status/gone-service', Buffer.from('{"status":"offline"}'), { retain: true });
  await bus.publish('chinook/other/state/gone', ENVELOPE('gone'), { retain: true });
  await bus.close();
}

async function retained(url: string): Promise<string[]> {
  const bus = createBus(url, { clientId: 'reader' });
  await bus.connect();
  try {
    return [...(await readRetainedTopics(bus, ['chinook/+/state/+', 'chinook/+/status/+'], 'chinook/reader'))].sort();
  } finally {
    await bus.close();
  }
}

function pruneSuite(start: () => Promise<ExternalBroker>, urlOf: (b: ExternalBroker) => string): void {
  let broker: ExternalBroker;
  beforeAll(async () => {
    broker = await start();
  }, 30_000);
  afterAll(async () => broker?.stop());

  it('lists what is no longer in the system (dry run changes nothing), clears it with --yes, keeps the rest', async () => {
    const url = urlOf(broker);
    await seed(url);
    const dry = await prune('--broker', url);
    expect(dry.err).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/2 retained messages on .* under chinook\/t\/ no longer in the system:/);
    expect(dry.out).toMatch(/chinook\/t\/state\/gone\s+state of domain `gone`/);
    expect(dry.out).toMatch(/chinook\/t\/status\/gone-service\s+status of service `gone-service`/);
    expect(dry.out).toContain('dry run: nothing cleared');
    expect(await retained(url)).toContain('chinook/t/state/gone');

    const yes = await prune('--broker', url, '--yes');
    expect(yes.code).toBe(0);
    expect(yes.out).toContain('cleared 2');
    expect(await retained(url)).toEqual(['chinook/other/state/gone', 'chinook/t/state/kept', 'chinook/t/status/kept-service']);

    const again = await prune('--broker', url);
    expect(again.out).toMatch(/nothing to prune/);
  }, 30_000);
}

describeIfBinary('mosquitto', 'chinook prune on mosquitto', () => pruneSuite(startMosquitto, (b) => b.url));
describeIfBinary('redis-server', 'chinook prune on redis', () => pruneSuite(startRedis, (b) => b.url));

describeIfBinary('redis-server', 'chinook prune: passwords', () => {
  let broker: ExternalBroker;
  beforeAll(async () => {
    broker = await startRedis(['--requirepass', 's3cr3t-pw']);
  }, 30_000);
  afterAll(async () => broker?.stop());

  it('never prints the password, whether it is right or wrong', async () => {
    const good = await prune('--broker', `redis://:s3cr3t-pw@127.0.0.1:${broker.port}`);
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/nothing to prune on redis:\/\/:\*\*\*@127\.0\.0\.1/);
    const bad = await prune('--broker', `redis://:wr0ng-pw@127.0.0.1:${broker.port}`);
    expect(bad.code).toBe(1);
    expect(bad.out + bad.err).not.toContain('wr0ng-pw');
    expect(bad.out + bad.err).not.toContain('s3cr3t-pw');
  }, 30_000);
});

describe('chinook prune: usage and pure parts', () => {
  it('needs a broker (exit 2), and an invalid URL is a usage error without its password', async () => {
    expect((await prune()).code).toBe(2);
    const bad = await prune('--broker', 'mqtt://user:p4ss-w0rd@127.0.0.1:1883?protocol=9');
    expect(bad.code).toBe(2);
    expect(bad.err).not.toContain('p4ss-w0rd');
    expect(bad.err).toContain('***');
  });

  it('findPrunable: only one-level state/status topics of the prefix, naming what the system lacks', () => {
    const names = { prefix: 'chinook/t', domains: new Set(['a']), services: new Set(['a-service']) };
    expect(
      findPrunable(names, ['chinook/t/state/a', 'chinook/t/state/b', 'chinook/t/status/a-service', 'chinook/t/status/b-service', 'chinook/t2/state/c', 'chinook/t/state/b/x']),
    ).toEqual([
      { topic: 'chinook/t/state/b', kind: 'domain', name: 'b' },
      { topic: 'chinook/t/status/b-service', kind: 'service', name: 'b-service' },
    ]);
  });

  it('maskPassword: raw and percent-decoded forms', () => {
    expect(maskPassword('at redis://:p%40ss@h and p@ss', 'redis://:p%40ss@h')).toBe('at redis://:***@h and ***');
  });
});
