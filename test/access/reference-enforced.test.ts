/**
 * The reference system runs unchanged with ownership enforced, on every bus: `chinook run`
 * on its embedded broker (enforced by default, per-run credentials), and with
 * `--broker URL --secrets DIR` on mosquitto and redis-server configured by `chinook acl`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBus } from '../../src/bus/create-bus.js';
import { main } from '../../src/cli/main.js';
import { describeIfBinary, startMosquitto, startRedis, type ExternalBroker } from '../support/brokers.js';
import { ROOT } from '../manifest/run-cli.js';
import { startRun, waitForConvergence, type RunningSystem } from '../e2e/run-system.js';


const temp = mkdtempSync(path.join(tmpdir(), 'chinook-enforced-'));
const access = path.join(temp, 'access');
const secrets = path.join(temp, 'secrets');
let running: RunningSystem | undefined;
const brokers: ExternalBroker[] = [];

beforeAll(async () => {
  const quiet = { write: () => true } as never;
  expect(await main(['acl', '--out', access, '--secrets', secrets], { cwd: ROOT, env: {}, stdout: quiet, stderr: quiet })).toBe(0);
});
afterEach(() => {
  running?.kill();
  running = undefined;
});
afterAll(async () => {
  await Promise.all(brokers.map((b) => b.stop()));
  rmSync(temp, { recursive: true, force: true });
});

async function runsAndStopsCleanly(args: readonly string[]): Promise<RunningSystem> {
  const system = (running = startRun(args));
  await waitForConvergence(system, 90_000);
  expect(system.lines.join('\n')).not.toMatch(/denied|not authori[sz]ed|NOPERM/i);
  return system;
}

describe('chinook run on its embedded broker', () => {
  it('converges with ownership enforced: made-up credentials are refused; a client without any may read and not write', async () => {
    const system = await runsAndStopsCleanly([]);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(system.lines[0] ?? '')?.[1]);
    for (const url of [`mqtt://energy-service:guess@127.0.0.1:${port}`, `mqtt://observer:guess@127.0.0.1:${port}`, `mqtt://intruder:x@127.0.0.1:${port}`]) {
      const bus = createBus(url, { clientId: 'intruder', connectTimeoutMs: 5_000 });
      await expect(bus.connect()).rejects.toMatchObject({ code: 'bus-refused' });
    }
    const reader = createBus(`mqtt://127.0.0.1:${port}`, { clientId: 'reader', connectTimeoutMs: 5_000, reconnectPeriodMs: 60_000 });
    const seen: string[] = [];
    reader.onMessage((m) => seen.push(m.payload.toString()));
    await reader.connect();
    await reader.subscribe('chinook/home/state/+');
    const deadline = Date.now() + 5_000;
    while (seen.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(seen.length, 'every domain read').toBeGreaterThanOrEqual(6);
    // Its publish is refused: the broker drops the connection, and the forged state reaches nobody.
    void reader.publish('chinook/home/state/power', Buffer.from('FORGED'), { retain: true }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(seen.filter((p) => p === 'FORGED')).toEqual([]);
    await reader.close({ abrupt: true });
    expect(system.lines.join('\n')).not.toContain('rejected');
    system.child.kill('SIGINT');
    expect((await system.exit).code).toBe(0);
  }, 150_000);
});

describeIfBinary('mosquitto', 'chinook run on mosquitto configured by chinook acl', () => {
  it('converges unchanged, every service as itself (--secrets)', async () => {
    const broker = await startMosquitto({ extraConfig: ['allow_anonymous false', `password_file ${access}/mosquitto.passwd`, `acl_file ${access}/mosquitto.acl`] });
    brokers.push(broker);
    const system = await runsAndStopsCleanly(['--broker', `${broker.url}?protocol=5`, '--secrets', secrets]);
    system.child.kill('SIGINT');
    expect((await system.exit).code).toBe(0);
  }, 150_000);
});

describeIfBinary('redis-server', 'chinook run on redis-server configured by chinook acl', () => {
  it('converges unchanged, every service as itself (CHINOOK_SECRETS)', async () => {
    const broker = await startRedis(['--aclfile', `${access}/redis.acl`]);
    brokers.push(broker);
    const previous = process.env['CHINOOK_SECRETS'];
    process.env['CHINOOK_SECRETS'] = secrets;
    try {
      const system = await runsAndStopsCleanly(['--broker', broker.url]);
      system.child.kill('SIGINT');
      expect((await system.exit).code).toBe(0);
    } finally {
      if (previous === undefined) delete process.env['CHINOOK_SECRETS'];
      else process.env['CHINOOK_SECRETS'] = previous;
    }
  }, 150_000);
});

