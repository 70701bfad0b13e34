/** `chinook broker --secrets DIR`: the embedded broker, standalone, enforcing the system's rights. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createBus } from '../../src/bus/create-bus.js';
import { main } from '../../src/cli/main.js';
import { ROOT } from '../manifest/run-cli.js';

const entry = fileURLToPath(new URL('../support/cli-entry.ts', import.meta.url));
const temp = mkdtempSync(path.join(tmpdir(), 'chinook-broker-access-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('chinook broker --secrets', () => {
  it('admits only the identities of the system, each within its rights', async () => {
    const quiet = { write: () => true } as never;
    const secrets = path.join(temp, 'secrets');
    expect(await main(['acl', '--out', path.join(temp, 'access'), '--secrets', secrets], { cwd: ROOT, env: {}, stdout: quiet, stderr: quiet })).toBe(0);
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'broker', '--port', '0', '--secrets', secrets], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (mqtt:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`broker exited early (${code}): ${out}`)));
      });
      expect(out).toContain('access rights of 6 identities enforced');
      const as = (user: string, password = readFileSync(path.join(secrets, `${user}.secret`), 'utf8').trim()) => {
        const u = new URL(url);
        u.username = user;
        u.password = password;
        return createBus(u.toString(), { clientId: `${user}-t`, connectTimeoutMs: 5_000 });
      };
      await expect(createBus(url, { clientId: 'anon' }).connect()).rejects.toMatchObject({ code: 'bus-refused' });
      await expect(as('energy-service', 'guess').connect()).rejects.toMatchObject({ code: 'bus-refused' });
      const owner = as('energy-service');
      await owner.connect();
      await owner.publish('chinook/home/status/energy-service', Buffer.from('{}'), { retain: true });
      await expect(owner.subscribe('chinook/other/#')).rejects.toMatchObject({ code: 'bus-denied' });
      await owner.close();
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
