/**
 * `chinook init`: creates only what is absent, adds only missing scripts, never overwrites,
 * and a second run changes nothing (bytes and mtimes). The whole path from the packed
 * tarball (install → init → generate → run) is test/codegen/user-flow.test.ts.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { toSystemName } from '../../src/cli/commands/init.js';
import { main } from '../../src/cli/main.js';

const work = mkdtempSync(join(tmpdir(), 'chinook-init-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

async function init(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stream = (append: (s: string) => void): Writable => new Writable({ write: (c, _e, done) => (append(String(c)), done()) });
  const code = await main(['init', ...args], { cwd, env: {}, stdout: stream((s) => (out += s)), stderr: stream((s) => (err += s)), color: false });
  return { code, out, err };
}

/** Every file under `dir` → [content, mtime]. */
function snapshot(dir: string): Map<string, [string, number]> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return new Map(files.map((e) => {
    const path = join(e.parentPath, e.name);
    return [relative(dir, path), [readFileSync(path, 'utf8'), statSync(path).mtimeMs]];
  }));
}

describe('chinook init', () => {
  it('in an empty folder: config, example manifest, tsconfig, an ESM package.json with the scripts, the CI workflow; a second run changes nothing', async () => {
    const dir = join(work, `p${counter++}`);
    const first = await init(work, relative(work, dir));
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const files = snapshot(dir);
    expect([...files.keys()].sort()).toEqual(['.github/workflows/chinook.yml', 'chinook.config.yaml', 'package.json', 'schemas/counter.domain.yaml', 'tsconfig.json']);
    const pkg = JSON.parse(files.get('package.json')![0]) as { type: string; scripts: Record<string, string> };
    expect(pkg.type).toBe('module');
    expect(pkg.scripts).toEqual({ generate: 'chinook generate', check: 'chinook validate && chinook generate --check', start: 'chinook run' });
    const workflow = files.get('.github/workflows/chinook.yml')![0];
    expect(workflow).toContain('npx chinook validate --format github');
    expect(workflow).toContain('npx chinook generate --check --format github');
    expect(workflow).toContain('npx chinook diff --against "origin/${{ github.base_ref || github.event.repository.default_branch }}" --format github');
    expect(workflow).toContain('fetch-depth: 0');
    expect(files.get('chinook.config.yaml')![0]).toMatch(new RegExp(`^system: p${counter - 1} `, 'm'));
    expect(first.out).toMatch(/next:\n {2}cd p\d+\n {2}npm install chinook-ipc\n {2}npx chinook generate/);

    const second = await init(dir);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/^chinook init: nothing to do/);
    expect(snapshot(dir)).toEqual(files);
  });

  it('in an existing CommonJS project: keeps every file and script of the user, adds the rest, makes handlers/ ESM', async () => {
    const dir = join(work, `p${counter++}`);
    mkdirSync(join(dir, 'schemas'), { recursive: true });
    const pkgText = '{\n    "name": "@acme/My Home",\n    "scripts": {\n        "start": "node server.js"\n    }\n}\n';
    writeFileSync(join(dir, 'package.json'), pkgText);
    writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "module": "commonjs" } }\n');
    writeFileSync(join(dir, 'schemas', 'mine.domain.yaml'), 'domain: mine\n');
    const r = await init(dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/kept +tsconfig\.json +\(yours: the generated code needs "module": "nodenext"/);
    expect(r.out).toMatch(/kept +schemas\/ +\(it holds manifests: no example added\)/);
    expect(r.out).toMatch(/updated +package\.json +\(added scripts generate, check; kept yours: start\)/);
    expect(r.out).toMatch(/created +handlers\/package\.json/);
    expect(readFileSync(join(dir, 'tsconfig.json'), 'utf8')).toBe('{ "compilerOptions": { "module": "commonjs" } }\n');
    const pkg = readFileSync(join(dir, 'package.json'), 'utf8');
    expect(pkg).toContain('\n    "name": "@acme/My Home"'); // indentation kept
    expect(JSON.parse(pkg).scripts).toEqual({ start: 'node server.js', generate: 'chinook generate', check: 'chinook validate && chinook generate --check' });
    expect(JSON.parse(readFileSync(join(dir, 'handlers', 'package.json'), 'utf8')).type).toBe('module');
    expect(readFileSync(join(dir, 'chinook.config.yaml'), 'utf8')).toMatch(/^system: my-home /m);
    const files = snapshot(dir);
    expect((await init(dir)).out).toMatch(/nothing to do/);
    expect(snapshot(dir)).toEqual(files);
  });

  it('usage: two folders is exit 2; --help exits 0', async () => {
    expect((await init(work, 'a', 'b')).code).toBe(2);
    expect((await init(work, '--help')).code).toBe(0);
  });

  it('toSystemName: a valid system name from a package or folder name', () => {
    expect(toSystemName('@acme/My Home')).toBe('my-home');
    expect(toSystemName('123')).toBe('default');
    expect(toSystemName('smart_home--2')).toBe('smart-home-2');
  });
});
