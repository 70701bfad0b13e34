/**
 * A new user's first ten minutes, from the packed tarball: install it into an empty
 * project, write a manifest, `npx chinook generate`, implement a one-line handler, and
 * `tsc` passes (and fails on a wrong shape).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './golden.js';

const work = mkdtempSync(join(tmpdir(), 'chinook-user-flow-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], options: SpawnSyncOptions): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 240_000, ...options });
  return { status: r.status, out: `${String(r.stdout)}${String(r.stderr)}` };
}

describe('user flow from npm pack', () => {
  it('install the tarball, generate, one-line handler, tsc passes; a wrong shape does not', () => {
    const build = run(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: REPO });
    expect(existsSync(join(REPO, 'dist', 'cli', 'commands', 'generate.js')), build.out).toBe(true);
    const packDir = join(work, 'pack');
    mkdirSync(packDir);
    const pack = run('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: REPO });
    expect(pack.status, pack.out).toBe(0);
    const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'))!;

    const app = join(work, 'app');
    mkdirSync(join(app, 'schemas'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-home', private: true, type: 'module' }));
    const install = run('npm', ['install', '--no-audit', '--no-fund', join(packDir, tarball)], { cwd: app });
    expect(install.status, install.out).toBe(0);

    writeFileSync(
      join(app, 'schemas', 'lamp.domain.yaml'),
      ['domain: lamp', 'owner: lamp-service', 'version: 1', 'state:', '  type: object', '  additionalProperties: false', '  required: [on]', '  properties:', '    on: { type: boolean }', ''].join('\n'),
    );
    const generate = run('npx', ['--no-install', 'chinook', 'generate'], { cwd: app });
    expect(generate.status, generate.out).toBe(0);
    expect(existsSync(join(app, 'generated', 'index.ts'))).toBe(true);
    expect(existsSync(join(app, 'handlers', 'lamp-service.ts'))).toBe(true);

    writeFileSync(
      join(app, 'handlers', 'lamp-service.ts'),
      "import type { LampServiceHandler } from '../generated/services/lamp-service.js';\nexport default { async onStart(ctx) { await ctx.publish('lamp', { on: true }); } } satisfies LampServiceHandler;\n",
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true, verbatimModuleSyntax: true, skipLibCheck: true, noEmit: true, types: [],
        },
        include: ['generated', 'handlers'],
      }),
    );
    const tsc = join(REPO, 'node_modules', '.bin', 'tsc');
    const ok = run(tsc, ['-p', 'tsconfig.json'], { cwd: app });
    expect(ok.out).toBe('');
    expect(ok.status).toBe(0);

    writeFileSync(
      join(app, 'handlers', 'lamp-service.ts'),
      "import type { LampServiceHandler } from '../generated/services/lamp-service.js';\nexport default { async onStart(ctx) { await ctx.publish('lamp', { on: 'yes' }); } } satisfies LampServiceHandler;\n",
    );
    const wrong = run(tsc, ['-p', 'tsconfig.json'], { cwd: app });
    expect(wrong.status).not.toBe(0);
    expect(wrong.out).toMatch(/handlers\/lamp-service\.ts.*error/);
  }, 300_000);
});
