/**
 * How a service gets its secret (docs/security.md): from the environment or a file, never
 * from its command line. A password given in `--broker` anyway is masked in `ps`; a wrong
 * one ends the service early with a coded error.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../manifest/run-cli.js';
import { describeIfBinary, startMosquitto, type ExternalBroker } from '../support/brokers.js';
import { connectAs, PREFIX, SECRETS, writeAccessFiles, type AccessTarget } from './access-targets.js';
import { startInspect } from '../e2e/inspect-child.js';

const temp = mkdtempSync(path.join(tmpdir(), 'chinook-credentials-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function runService(args: readonly string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, 'run', 'energy-service', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (text: string, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!output.includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`waited for "${text}"; output:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, exit, waitFor, output: () => output };
}

describe('a password in --broker', () => {
  it('is masked in ps (the process title) and warned about', async () => {
    // A broker that accepts the TCP connection and never answers: the service waits, and ps can be read.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const run = runService(['--broker', `mqtt://energy-service:TopSecret42@127.0.0.1:${port}`], {});
    try {
      await run.waitFor('visible to every user');
      const cmdline = readFileSync(`/proc/${run.child.pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('mqtt://energy-service:***@127.0.0.1');
      expect(cmdline).not.toContain('TopSecret42');
      expect(run.output()).not.toContain('TopSecret42');
    } finally {
      run.child.kill('SIGKILL');
      silent.close();
    }
  }, 90_000);
});

describeIfBinary('mosquitto', 'credentials from the environment, against mosquitto with chinook acl files', () => {
  let broker: ExternalBroker;
  let target: AccessTarget;
  const files = writeAccessFiles();
  beforeAll(async () => {
    broker = await startMosquitto({ extraConfig: ['allow_anonymous false', `password_file ${files.dir}/mosquitto.passwd`, `acl_file ${files.dir}/mosquitto.acl`] });
    target = { name: 'mosquitto', url: broker.url, kind: 'mosquitto', mqtt5: false, stop: () => broker.stop() };
  }, 30_000);
  afterAll(async () => {
    await broker?.stop();
    files.remove();
  });

  it('CHINOOK_BROKER + CHINOOK_BROKER_USERNAME + CHINOOK_BROKER_PASSWORD_FILE: the service comes online as itself', async () => {
    const secretFile = path.join(temp, 'energy.secret');
    writeFileSync(secretFile, SECRETS.get('energy-service')! + '\n', { mode: 0o600 });
    const observer = await connectAs(target, 'observer');
    const statuses: string[] = [];
    observer.onMessage((m) => statuses.push(m.payload.toString()));
    await observer.subscribe(`${PREFIX}/status/energy-service`);
    const run = runService([], { CHINOOK_BROKER: broker.url, CHINOOK_BROKER_USERNAME: 'energy-service', CHINOOK_BROKER_PASSWORD_FILE: secretFile });
    try {
      await run.waitFor('started');
      const deadline = Date.now() + 10_000;
      while (!statuses.some((s) => s.includes('"online"')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(statuses.some((s) => s.includes('"online"'))).toBe(true);
    } finally {
      run.child.kill('SIGINT');
      const killer = setTimeout(() => run.child.kill('SIGKILL'), 10_000);
      await run.exit;
      clearTimeout(killer);
      await observer.close({ abrupt: true });
    }
  }, 150_000);

  it('chinook inspect watches as the observer with CHINOOK_BROKER_PASSWORD_FILE (and is refused without it)', async () => {
    const secretFile = path.join(temp, 'observer.secret');
    writeFileSync(secretFile, SECRETS.get('observer')! + '\n', { mode: 0o600 });
    const inspect = await startInspect(broker.url, [], { CHINOOK_BROKER_PASSWORD_FILE: secretFile });
    try {
      const state = (await (await fetch(new URL('/api/services', inspect.url))).json()) as unknown;
      expect(state).toBeDefined();
    } finally {
      await inspect.stop();
    }
    await expect(startInspect(broker.url)).rejects.toThrow(/bus-refused/);
  }, 150_000);

  it('a wrong password: the service exits 1 early with bus-refused, the password never shown', async () => {
    const run = runService([], { CHINOOK_BROKER: broker.url, CHINOOK_BROKER_USERNAME: 'energy-service', CHINOOK_BROKER_PASSWORD: 'WrongPassword99' });
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('refused the connection (bus-refused, user `energy-service`)');
    expect(run.output()).not.toContain('WrongPassword99');
  }, 90_000);
});
