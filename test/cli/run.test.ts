/**
 * `chinook run`'s exit codes and messages (the built CLI, as a child process, in the
 * reference project): what a user or a script sees when something is wrong.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../support/brokers.js';
import { describeWatchCommand, showUrl } from '../../src/cli/run/run-console.js';
import { BIN, ROOT, runCli } from '../manifest/run-cli.js';


interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `chinook run …` to its end; a process still running after `timeoutMs` is killed and reported as such. */
function runToEnd(args: readonly string[], timeoutMs = 120_000, cwd = ROOT, onStdout?: (all: string, child: ChildProcess) => void): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const USAGE = 'usage: chinook run [SERVICE…] [options]';
/** Having said the bus is unreachable, the process must end: killed after this, it had hung. */
const HANG_MS = 15_000;
const STILL_RUNNING = `the process must exit after its error, not hang (killed after ${HANG_MS} ms)`;
const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

describe('chinook run: a required dependency that never comes', () => {
  it('one process per service (console): lighting-service alone on an empty embedded broker exits non-zero, naming presence', async () => {
    const run = await runToEnd(['lighting-service', '--timeout', '1500', '--no-console']);
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/lighting-service: chinook run: lighting-service: required dependencies not available after 1500 ms: "presence" \(owned by presence-service, missing\)/);
    expect(run.stdout).toMatch(/lighting-service exited with code 1\n.*every service has ended\n$/);
    expect(run.stdout).not.toContain('unexpected error');
    expect(run.stdout + run.stderr).not.toMatch(NO_STACK);
  }, 150_000);

  it('in-process: the same, as the CLI\'s own one-line error on stderr', async () => {
    const run = await runToEnd(['lighting-service', '--timeout', '1500', '--in-process']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('chinook run: lighting-service: required dependencies not available after 1500 ms: "presence" (owned by presence-service, missing)\n');
    expect(run.stderr).not.toContain('unexpected error');
    expect(run.stderr).not.toMatch(NO_STACK);
  }, 150_000);
});

describe('chinook run: exit status after a failure, even when stopped with Ctrl-C later', () => {
  it('lighting-service gives up on its dependency while energy-service runs on; SIGINT then ends the run with exit 1', async () => {
    let interrupted = false;
    const run = await runToEnd(['lighting-service', 'energy-service', '--timeout', '1500', '--no-console'], 120_000, ROOT, (out, child) => {
      if (!interrupted && /lighting-service exited with code 1/.test(out)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(interrupted).toBe(true);
    expect(run.stdout).toMatch(/stopping every service…/);
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('chinook run: 1 of 2 services failed: lighting-service exited with code 1');
    expect(run.stdout + run.stderr).not.toMatch(NO_STACK);
  }, 150_000);
});

// A copy of the reference project inside the repository (so `chinook-ipc/runtime` resolves).
const TMP = join(ROOT, '.tmp');
mkdirSync(TMP, { recursive: true });
const work = mkdtempSync(join(TMP, 'run-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let copies = 0;
function copyProject(): string {
  const dir = join(work, `p${copies++}`);
  for (const part of ['schemas', 'generated', 'handlers', 'chinook.config.yaml']) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  return dir;
}
const loopManifest = (name: string, next: string): string => `domain: ${name}\nowner: ${name}-service\nversion: 1\ndependsOn: [${next}]\nstate: { type: object }\n`;

describe('chinook run: refuses stale or invalid generated code unless --no-check', () => {
  it('a three-service loop added to the manifests: exit 1 with the diagnostic and "run `chinook generate`"; nothing starts', async () => {
    const dir = copyProject();
    writeFileSync(join(dir, 'schemas', 'loop.domain.yaml'), [loopManifest('loopa', 'loopb'), loopManifest('loopb', 'loopc'), loopManifest('loopc', 'loopa')].join('---\n'));
    const run = await runToEnd(['--no-console'], HANG_MS, dir);
    expect({ code: run.code, signal: run.signal }, STILL_RUNNING).toEqual({ code: 1, signal: null });
    expect(run.stderr).toMatch(/schemas\/loop\.domain\.yaml:\d+:\d+: error\[dependency-cycle\]/);
    expect(run.stderr).toContain('run `chinook generate`');
    expect(run.stdout).not.toContain('started');
    expect(run.stderr).not.toMatch(NO_STACK);
  }, 150_000);

  it('a manifest edited since generate: exit 1 naming the stale files; --no-check runs the old code anyway', async () => {
    const dir = copyProject();
    const manifest = join(dir, 'schemas', 'presence.domain.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^description: .*$/m, 'description: Who is where, edited'));
    const stale = await runToEnd(['presence-service', '--in-process'], HANG_MS, dir);
    expect({ code: stale.code, signal: stale.signal }, STILL_RUNNING).toEqual({ code: 1, signal: null });
    expect(stale.stderr).toContain('chinook run: the generated code in generated/ is not what the manifests generate now:\n');
    expect(stale.stderr).toContain('run `chinook generate`');
    expect(stale.stderr).toContain('differs: generated/domains/presence.ts');
    appendFileSync(join(dir, 'generated', 'notes.md'), 'mine, no header: not ours, not stale\n');
    // Past the check, the old code loads: an unknown service is then the usage error it always was.
    const unchecked = runCli(['run', 'toaster-service', '--no-check'], dir);
    expect(unchecked.status).toBe(2);
    expect(unchecked.stderr).toContain('unknown service `toaster-service`');
  }, 150_000);
});

describe('chinook run: an unreachable broker', () => {
  it.each([
    ['mqtt', 'cannot connect to the MQTT broker at 127.0.0.1:PORT: connect ECONNREFUSED'],
    ['redis', 'cannot connect to Redis at redis://127.0.0.1:PORT: connect ECONNREFUSED'],
  ])('%s:// on a port nobody listens on: one service exits 1 with a clear message, no stack', async (scheme, message) => {
    const port = await findFreePort();
    const run = await runToEnd(['presence-service', '--broker', `${scheme}://127.0.0.1:${port}`], HANG_MS);
    expect(run.stderr).toContain(`chinook run: presence-service: the bus is unreachable: ${message.replace('PORT', String(port))}`);
    expect(run.stderr).not.toContain('unexpected error');
    expect(run.stderr).not.toMatch(NO_STACK);
    expect({ code: run.code, signal: run.signal }, STILL_RUNNING).toEqual({ code: 1, signal: null });
  }, 150_000);

  it('the whole system on an unreachable mqtt:// broker: exit 1 with a clear message, no stack', async () => {
    const port = await findFreePort();
    const run = await runToEnd(['--broker', `mqtt://127.0.0.1:${port}`, '--no-console'], HANG_MS);
    expect(run.stderr).toContain(`chinook run: cannot connect to the MQTT broker at 127.0.0.1:${port}: connect ECONNREFUSED`);
    expect(run.stderr).not.toContain('unexpected error');
    expect(run.stderr).not.toMatch(NO_STACK);
    expect({ code: run.code, signal: run.signal }, STILL_RUNNING).toEqual({ code: 1, signal: null });
  }, 150_000);
});

describe('chinook run: usage', () => {
  it('an unknown service exits 2, naming the services there are, with the usage', () => {
    const run = runCli(['run', 'toaster-service'], ROOT);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      'chinook run: unknown service `toaster-service` (services of home: climate-service, energy-service, lighting-service, presence-service, security-service)',
    );
    expect(run.stderr).toContain(USAGE);
  });

  it.each([
    [['--frobnicate']],
    [['--timeout', 'soon']],
    [['--on-dependency-lost', 'panic']],
    [['--broker', 'ftp://example.com']],
    [['--broker', 'mqtt://127.0.0.1:1', '--port', '1884']],
  ])('%j exits 2 with the usage', (args) => {
    const run = runCli(['run', ...args], ROOT);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(USAGE);
    expect(run.stderr).not.toMatch(NO_STACK);
  });

  it('--help prints the usage and exits 0', () => {
    const run = runCli(['run', '--help'], ROOT);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(USAGE);
    expect(run.stdout).toContain('--no-console');
  });
});

describe('chinook run: how the bus is shown', () => {
  it('never shows a password, and names the stock client that watches this kind of bus', () => {
    expect(showUrl('mqtts://alice:s3cret@broker.example:8883')).toBe('mqtts://alice:***@broker.example:8883');
    expect(showUrl('redis://127.0.0.1:6400')).toBe('redis://127.0.0.1:6400');
    expect(showUrl('nats://alice:s3cret@n1:4001,n2:4002?replicas=3')).toBe('nats://alice:***@n1:4001,n2:4002?replicas=3');
    expect(showUrl('nats://t0ken@n1')).toBe('nats://***@n1');
    expect(showUrl('nats://n1,n2')).toBe('nats://n1,n2');
    expect(describeWatchCommand('mqtt://127.0.0.1:4000?protocol=5', 'chinook/home')).toBe("mosquitto_sub -h 127.0.0.1 -p 4000 -t 'chinook/home/#' -v");
    expect(describeWatchCommand('mqtts://alice:s3cret@broker.example', 'chinook/home')).toBe(
      "mosquitto_sub -h broker.example -p 8883 --capath /etc/ssl/certs -u alice -P … -t 'chinook/home/#' -v",
    );
    expect(describeWatchCommand('redis://127.0.0.1:6400', 'chinook/home')).toBe("redis-cli -h 127.0.0.1 -p 6400 PSUBSCRIBE 'chinook/home/*'");
    expect(describeWatchCommand('nats://127.0.0.1:4001,127.0.0.1:4002?replicas=3', 'chinook/home')).toBe('nats --server 127.0.0.1:4001,127.0.0.1:4002 kv watch chinook_home_state');
    expect(describeWatchCommand('nats://me:pw@n1', 'chinook/home-lab')).toBe('nats --server n1:4222 --user me --password … kv watch chinook_home--lab_state');
    expect(describeWatchCommand('rediss://default:pw@r.example', 'chinook/x')).toBe("redis-cli -h r.example -p 6379 --tls --user default -a … PSUBSCRIBE 'chinook/x/*'");
  });
});
