/**
 * `chinook run`'s exit codes and messages (the built CLI, as a child process, in the
 * reference project): what a user or a script sees when something is wrong.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
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
function runToEnd(args: readonly string[], timeoutMs = 120_000): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
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
    expect(describeWatchCommand('mqtt://127.0.0.1:4000?protocol=5', 'chinook/home')).toBe("mosquitto_sub -h 127.0.0.1 -p 4000 -t 'chinook/home/#' -v");
    expect(describeWatchCommand('mqtts://alice:s3cret@broker.example', 'chinook/home')).toBe(
      "mosquitto_sub -h broker.example -p 8883 --capath /etc/ssl/certs -u alice -P … -t 'chinook/home/#' -v",
    );
    expect(describeWatchCommand('redis://127.0.0.1:6400', 'chinook/home')).toBe("redis-cli -h 127.0.0.1 -p 6400 PSUBSCRIBE 'chinook/home/*'");
    expect(describeWatchCommand('rediss://default:pw@r.example', 'chinook/x')).toBe("redis-cli -h r.example -p 6379 --tls --user default -a … PSUBSCRIBE 'chinook/x/*'");
  });
});
