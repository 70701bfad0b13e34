/**
 * `chinook acl`: rights from the manifests, broker files that are deterministic and
 * drift-checked, secrets created once (0600) and rotated on request.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { patternCovers } from '../../src/bus/broker-access.js';
import { mosquittoPasswordLine, renderAccessFiles } from '../../src/codegen/emit-access.js';
import { buildAccessRights } from '../../src/model/access.js';
import { main } from '../../src/cli/main.js';
import { ROOT } from '../manifest/run-cli.js';

const temp = mkdtempSync(path.join(tmpdir(), 'chinook-acl-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

async function acl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['acl', ...args], {
    cwd: ROOT,
    env: {},
    stdout: { write: (s: string) => ((stdout += s), true) } as never,
    stderr: { write: (s: string) => ((stderr += s), true) } as never,
  });
  return { code, stdout, stderr };
}

function readAll(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
}

describe('access rights', () => {
  const rights = buildAccessRights({
    prefix: 'chinook/home',
    domains: [
      { name: 'tariff', owner: 'energy' },
      { name: 'power', owner: 'energy' },
      { name: 'lighting', owner: 'lights' },
    ],
    services: ['lights', 'energy'],
  });

  it('lets a service publish only its own domains and status, read everything; the observer writes nothing', () => {
    expect(rights.identities).toEqual([
      { name: 'energy', role: 'service', owns: ['power', 'tariff'], publish: ['chinook/home/state/power', 'chinook/home/state/tariff', 'chinook/home/status/energy'], subscribe: ['chinook/home/state/+', 'chinook/home/status/+'] },
      { name: 'lights', role: 'service', owns: ['lighting'], publish: ['chinook/home/state/lighting', 'chinook/home/status/lights'], subscribe: ['chinook/home/state/+', 'chinook/home/status/+'] },
      { name: 'observer', role: 'observer', owns: [], publish: [], subscribe: ['chinook/home/#'] },
    ]);
  });

  it('refuses a service named like a reserved identity', () => {
    expect(() => buildAccessRights({ prefix: 'p', domains: [], services: ['observer'] })).toThrow(/reserved/);
  });

  it('renders the same bytes whatever the input order', () => {
    const secrets = new Map([['energy', 'a'], ['lights', 'b'], ['observer', 'c'], ['liveness', 'd']]);
    const shuffled = buildAccessRights({ prefix: 'chinook/home', domains: [{ name: 'lighting', owner: 'lights' }, { name: 'power', owner: 'energy' }, { name: 'tariff', owner: 'energy' }], services: ['energy', 'lights'] });
    expect(renderAccessFiles(shuffled, secrets)).toEqual(renderAccessFiles(rights, secrets));
  });

  it('writes mosquitto password hashes mosquitto_passwd would (PBKDF2-SHA512, 101 rounds)', () => {
    const line = mosquittoPasswordLine('alice', 'secret');
    expect(line).toMatch(/^alice:\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    expect(mosquittoPasswordLine('alice', 'secret')).toBe(line);
    expect(mosquittoPasswordLine('alice', 'other')).not.toBe(line);
  });

  it('patternCovers: an ACL pattern covers a subscription only when every topic it matches is allowed', () => {
    expect(patternCovers('a/#', 'a/+')).toBe(true);
    expect(patternCovers('a/#', 'a/#')).toBe(true);
    expect(patternCovers('a/+', 'a/b')).toBe(true);
    expect(patternCovers('a/+', 'a/+')).toBe(true);
    expect(patternCovers('a/+', 'a/#')).toBe(false);
    expect(patternCovers('a/b', 'a/+')).toBe(false);
    expect(patternCovers('a/+', 'a/b/c')).toBe(false);
    expect(patternCovers('a/b/c', 'a/b')).toBe(false);
  });
});

describe('chinook acl', () => {
  const out = path.join(temp, 'access');
  const secrets = path.join(temp, 'secrets');

  it('creates the secrets (0600, git-ignored) and writes every broker file', async () => {
    const run = await acl(['--out', out, '--secrets', secrets]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['emqx-acl.conf', 'mosquitto.acl', 'mosquitto.passwd', 'redis.acl', 'rights.json']);
    const files = readdirSync(secrets).sort();
    expect(files).toEqual(['.gitignore', 'climate-service.secret', 'energy-service.secret', 'lighting-service.secret', 'liveness.secret', 'observer.secret', 'presence-service.secret', 'security-service.secret']);
    expect(statSync(path.join(secrets, 'observer.secret')).mode & 0o077).toBe(0);
    expect(readFileSync(path.join(out, 'mosquitto.acl'), 'utf8')).toContain('user energy-service\ntopic read chinook/home/state/+\ntopic read chinook/home/status/+\ntopic write chinook/home/state/power\ntopic write chinook/home/state/tariff\ntopic write chinook/home/status/energy-service\n');
  });

  it('is deterministic: a second run changes nothing, another folder gets the same bytes, --check passes', async () => {
    const before = readAll(out);
    expect((await acl(['--out', out, '--secrets', secrets])).stdout).toContain('is up to date');
    expect(readAll(out)).toEqual(before);
    const other = path.join(temp, 'other');
    await acl(['--out', other, '--secrets', secrets]);
    expect(readAll(other)).toEqual(before);
    expect((await acl(['--out', out, '--secrets', secrets, '--check'])).code).toBe(0);
  });

  it('--check lists drifted and missing files and exits 1, writing nothing', async () => {
    writeFileSync(path.join(out, 'mosquitto.acl'), 'user anyone\ntopic readwrite #\n');
    rmSync(path.join(out, 'redis.acl'));
    const run = await acl(['--out', out, '--secrets', secrets, '--check']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('stale: mosquitto.acl (differs)');
    expect(run.stderr).toContain('stale: redis.acl (missing)');
    expect(readFileSync(path.join(out, 'mosquitto.acl'), 'utf8')).toBe('user anyone\ntopic readwrite #\n');
    await acl(['--out', out, '--secrets', secrets]);
    expect((await acl(['--out', out, '--secrets', secrets, '--check'])).code).toBe(0);
  });

  it('--check without the secrets fails and creates nothing', async () => {
    const run = await acl(['--out', out, '--secrets', path.join(temp, 'none'), '--check']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no secret for');
    expect(() => statSync(path.join(temp, 'none'))).toThrow();
  });

  it('--rotate gives one identity a new secret and changes only the password files', async () => {
    const before = readAll(out);
    const secretBefore = readFileSync(path.join(secrets, 'observer.secret'), 'utf8');
    const run = await acl(['--out', out, '--secrets', secrets, '--rotate', 'observer']);
    expect(run.stdout).toContain('rotated the secrets of observer');
    expect(readFileSync(path.join(secrets, 'observer.secret'), 'utf8')).not.toBe(secretBefore);
    const after = readAll(out);
    const changed = Object.keys(after).filter((f) => after[f] !== before[f]);
    expect(changed).toEqual(['mosquitto.passwd', 'redis.acl']);
    expect((await acl(['--out', out, '--secrets', secrets, '--rotate', 'nobody'])).code).toBe(2);
  });
});
