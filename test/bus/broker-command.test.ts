import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { createMqttBus } from '../../src/bus/mqtt.js';

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

const entry = fileURLToPath(new URL('../support/cli-entry.ts', import.meta.url));

describe('chinook broker', () => {
  it('--help prints the usage and exits 0', async () => {
    const out = sink();
    const code = await main(['broker', '--help'], { stdout: out.stream, stderr: sink().stream });
    expect(code).toBe(0);
    expect(out.text()).toContain('usage: chinook broker [--port N] [--host H]');
  });

  it.each([['--port', 'abc'], ['--port', '70000'], ['--port', '-1'], ['--nope']])('%s %s is a usage error (exit 2)', async (...args) => {
    const err = sink();
    const code = await main(['broker', ...args], { stdout: sink().stream, stderr: err.stream });
    expect(code).toBe(2);
    expect(err.text()).toContain('usage: chinook broker');
  });

  it('serves MQTT clients and stops cleanly on SIGTERM (exit 0)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'broker', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (mqtt:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`broker exited early (${code}): ${out}${err}`)));
    });
    const bus = createMqttBus(url, { clientId: 'broker-command-test' });
    await bus.connect();
    const got: string[] = [];
    bus.onMessage((m) => got.push(m.payload.toString()));
    await bus.subscribe('t/#');
    await bus.publish('t/x', Buffer.from('hello'), { retain: true });
    while (got.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual(['hello']);
    await bus.close();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('stopped');
  });
});
