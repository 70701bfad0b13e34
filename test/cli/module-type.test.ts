/**
 * CommonJS projects: a folder of ES modules inside one gets its own package.json, and
 * `chinook run` names the file to create when it is missing instead of failing in the loader.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureEsmScope, findPackageScope } from '../../src/cli/module-type.js';
import { compileProject } from '../../src/cli/run/load-project.js';

const work = mkdtempSync(join(tmpdir(), 'chinook-module-type-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

function project(pkg: object): string {
  const dir = join(work, `p${counter++}`);
  mkdirSync(join(dir, 'generated'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
  writeFileSync(join(dir, 'generated', 'index.ts'), 'export const system = {};\n');
  return dir;
}

describe('ES modules in a CommonJS project', () => {
  it('the nearest package.json decides; no `type` means CommonJS', async () => {
    const cjs = project({ name: 'a' });
    expect((await findPackageScope(join(cjs, 'generated'))).type).toBe('commonjs');
    expect((await findPackageScope(join(project({ type: 'module' }), 'generated'))).type).toBe('module');
  });

  it('ensureEsmScope writes {"type": "module"} once, only in a CommonJS scope, never in the project root', async () => {
    const cjs = project({ type: 'commonjs' });
    expect(await ensureEsmScope('generated', cjs, 'the generated files')).toBe(join('generated', 'package.json'));
    expect(JSON.parse(readFileSync(join(cjs, 'generated', 'package.json'), 'utf8')).type).toBe('module');
    expect(await ensureEsmScope('generated', cjs, 'the generated files')).toBeUndefined();
    expect(await ensureEsmScope('.', cjs, 'x')).toBeUndefined();
    const esm = project({ type: 'module' });
    expect(await ensureEsmScope('generated', esm, 'the generated files')).toBeUndefined();
  });

  it('chinook run, with the file missing, says which file to create (exit 1), not ENOENT …?namespace=…', async () => {
    const cjs = project({ type: 'commonjs' });
    const error = (await compileProject({ cwd: cjs, out: 'generated', handlers: 'handlers' }).then(
      () => undefined,
      (e: unknown) => e,
    )) as { message: string; detail: string; exitCode: number };
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe('cannot load generated code generated/index.ts: it would be read as CommonJS');
    expect(error.detail).toMatch(/^generated\/ holds ES modules, but package\.json makes it CommonJS\. Run `chinook generate` \(it writes generated\/package\.json/);
  });
});
