/**
 * A newcomer's first hour, from the packed tarball, walked as the README says, once in an
 * ESM project and once in a CommonJS one (`npm init -y`): install → `chinook init` →
 * `chinook generate` → implement a handler → `tsc` passes (and fails on a wrong shape) →
 * `chinook run` until every service is online → Ctrl-C (SIGINT to the process group) → exit 0.
 *
 * The handler is written as docs/handlers.md shows: a `defineCounterService` factory, with
 * `ctx.every` for the periodic publish (no timer bookkeeping, no `.catch`).
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './golden.js';

const work = mkdtempSync(join(tmpdir(), 'chinook-user-flow-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const TSC = join(REPO, 'node_modules', '.bin', 'tsc');

function run(cmd: string, args: string[], options: SpawnSyncOptions): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 240_000, ...options });
  return { status: r.status, out: `${String(r.stdout)}${String(r.stderr)}` };
}

let tarball = '';
beforeAll(() => {
  // dist/ is built by the global setup (test/support/global-setup.ts).
  expect(existsSync(join(REPO, 'dist', 'cli', 'commands', 'init.js'))).toBe(true);
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  const pack = run('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: REPO });
  expect(pack.status, pack.out).toBe(0);
  tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
}, 240_000);

/** counter-service's handler: publishes its first state, then one every 200 ms (ctx.every) while the service runs. */
const COUNTER_HANDLER = `import { defineCounterService } from '../generated/services/counter-service.js';

export default defineCounterService(() => {
  let count = 0;
  return {
    async onStart(ctx) {
      await ctx.publish('counter', { count });
      ctx.every(200, () => ctx.publish('counter', { count: ++count }));
    },
  };
});
`;

/** A second service that waits for counter: it starts only once counter-service has published. */
const DISPLAY_MANIFEST = ['domain: display', 'owner: display-service', 'version: 1', 'dependsOn: [counter]', 'state:', '  type: object', '  additionalProperties: false', '  required: [text]', '  properties:', '    text: { type: string }', ''].join('\n');

/** `chinook run` until every service is online and counter has been published, then Ctrl-C. */
async function runUntilOnlineThenInterrupt(app: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const child = spawn(join(app, 'node_modules', '.bin', 'chinook'), ['run', '--no-console'], { cwd: app, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = (): boolean =>
    /counter-service is online/.test(out) && /display-service is online/.test(out) && /display-service: started/.test(out) && /domain counter is available/.test(out);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (ready()) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`chinook run ended before every service was online:\n${out}`)));
    setTimeout(() => reject(new Error(`not every service online within 90 s:\n${out}`)), 90_000).unref();
  }).catch((error: unknown) => {
    process.kill(-child.pid!, 'SIGKILL');
    throw error;
  });
  process.kill(-child.pid!, 'SIGINT'); // what Ctrl-C does: the whole foreground process group
  const end = await exited;
  return { ...end, out };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Stack traces map to files the package ships, or to sources inlined in the maps. */
function expectSourceMapsComplete(packageDir: string): void {
  const maps = listFiles(join(packageDir, 'dist')).filter((f) => f.endsWith('.js.map'));
  expect(maps.length).toBeGreaterThan(10);
  for (const path of maps) {
    const map = JSON.parse(readFileSync(path, 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[]; sourceRoot?: string };
    map.sources.forEach((source, i) => {
      const shipped = existsSync(resolve(dirname(path), map.sourceRoot ?? '', source));
      expect(shipped || typeof map.sourcesContent?.[i] === 'string', `${path} names ${source}, neither shipped nor inlined`).toBe(true);
    });
  }
}

async function walkTheUserPath(mode: 'esm' | 'commonjs'): Promise<void> {
  const app = join(work, mode);
  mkdirSync(app);
  expect(run('npm', ['init', '-y'], { cwd: app }).status).toBe(0);
  if (mode === 'esm') expect(run('npm', ['pkg', 'set', 'type=module'], { cwd: app }).status).toBe(0);
  const install = run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app });
  expect(install.status, install.out).toBe(0);
  expectSourceMapsComplete(join(app, 'node_modules', 'chinook-ipc'));

  const init = run('npx', ['--no-install', 'chinook', 'init'], { cwd: app });
  expect(init.status, init.out).toBe(0);
  expect(init.out).toMatch(/npx chinook generate/);
  for (const file of ['chinook.config.yaml', 'schemas/counter.domain.yaml', 'tsconfig.json', '.github/workflows/chinook.yml']) {
    expect(existsSync(join(app, file)), file).toBe(true);
  }
  expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).scripts).toMatchObject({ generate: 'chinook generate', start: 'chinook run' });
  expect(existsSync(join(app, 'handlers', 'package.json'))).toBe(mode === 'commonjs');
  const again = run('npx', ['--no-install', 'chinook', 'init'], { cwd: app });
  expect(again.out).toMatch(/nothing to do/);

  writeFileSync(join(app, 'schemas', 'display.domain.yaml'), DISPLAY_MANIFEST);
  const generate = run('npx', ['--no-install', 'chinook', 'generate'], { cwd: app });
  expect(generate.status, generate.out).toBe(0);
  expect(existsSync(join(app, 'handlers', 'counter-service.ts'))).toBe(true);
  expect(existsSync(join(app, 'handlers', 'display-service.ts'))).toBe(true);
  // Only a CommonJS project needs the generated folder to declare itself ESM.
  expect(existsSync(join(app, 'generated', 'package.json'))).toBe(mode === 'commonjs');
  writeFileSync(join(app, 'handlers', 'counter-service.ts'), COUNTER_HANDLER);

  const tsc = run(TSC, ['-p', 'tsconfig.json'], { cwd: app });
  expect(tsc.out).toBe('');
  expect(tsc.status).toBe(0);
  expect(run('npm', ['run', '--silent', 'check'], { cwd: app }).status).toBe(0);

  const { code, signal, out } = await runUntilOnlineThenInterrupt(app);
  expect(out).toMatch(/counter-service stopped/);
  expect({ code, signal }, out).toEqual({ code: 0, signal: null });
}

describe('user flow from npm pack', () => {
  it('ESM project: install, init, generate, handler, tsc, run until online, Ctrl-C exits 0', async () => {
    await walkTheUserPath('esm');
    // A wrong shape does not type-check.
    const app = join(work, 'esm');
    writeFileSync(join(app, 'handlers', 'counter-service.ts'), COUNTER_HANDLER.replace('{ count });', "{ count: 'one' });"));
    const wrong = run(TSC, ['-p', 'tsconfig.json'], { cwd: app });
    expect(wrong.status).not.toBe(0);
    expect(wrong.out).toMatch(/handlers\/counter-service\.ts.*error/);
  }, 300_000);

  it('CommonJS project (npm init -y): the same path works', async () => {
    await walkTheUserPath('commonjs');
  }, 300_000);
});
