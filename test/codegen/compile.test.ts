/**
 * Generated code compiles under the project's strict tsconfig, in a folder laid out like a
 * user's project: each golden system's expected/ as `generated/`, its handler scaffolds,
 * and (for `small`) type tests whose every `@ts-expect-error` must be needed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGenerateContext } from '../../src/codegen/context.js';
import { emitHandlerScaffolds } from '../../src/codegen/emit-handlers.js';
import { CASES, CASES_DIR, REPO, buildCase, caseOptions, readCaseManifests } from './golden.js';
import { readFileSync } from 'node:fs';

const TMP_ROOT = join(REPO, '.tmp');
mkdirSync(TMP_ROOT, { recursive: true });
const work = mkdtempSync(join(TMP_ROOT, 'codegen-tsc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function layOut(): void {
  const template = readFileSync(join(REPO, 'templates', 'handler.ts.tmpl'), 'utf8');
  for (const name of CASES) {
    const root = join(work, name);
    cpSync(join(CASES_DIR, name, 'expected'), join(root, 'generated'), { recursive: true });
    cpSync(join(CASES_DIR, name, 'expected'), join(root, 'expected'), { recursive: true });
    const model = buildCase(readCaseManifests(name), name);
    const ctx = createGenerateContext(model, { ...caseOptions(name), handlerTemplate: template });
    for (const scaffold of emitHandlerScaffolds(model, ctx)) {
      mkdirSync(dirname(join(root, scaffold.path)), { recursive: true });
      writeFileSync(join(root, scaffold.path), scaffold.content);
    }
  }
  cpSync(join(CASES_DIR, 'small', 'typetests.ts'), join(work, 'small', 'typetests.ts'));
  // The reference system as committed, with a one-line handler of its own.
  cpSync(join(REPO, 'generated'), join(work, 'home', 'generated'), { recursive: true });
  writeFileSync(
    join(work, 'home', 'one-line-handler.ts'),
    "import type { EnergyServiceHandler } from './generated/index.js';\nexport default { async onStart(ctx) { await ctx.publish('tariff', { currentPricePerKWh: 0.3, slots: [] }); } } satisfies EnergyServiceHandler;\n",
  );
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      extends: join(REPO, 'tsconfig.json'),
      compilerOptions: { noEmit: true, paths: { 'chinook-ipc/runtime': [join(REPO, 'src', 'runtime', 'index.ts')] } },
      include: ['**/*.ts'],
      exclude: [],
    }),
  );
}

describe('generated code under the strict tsconfig', () => {
  it('golden systems, their scaffolds, the type tests and the reference system compile (tsc --noEmit)', () => {
    layOut();
    const result = spawnSync(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', join(work, 'tsconfig.json')], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('the type tests do fail when their expectations are removed (they can fail)', () => {
    const file = join(work, 'small', 'typetests.ts');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/^\s*\/\/ @ts-expect-error.*$/gm, ''));
    const result = spawnSync(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', join(work, 'tsconfig.json')], { encoding: 'utf8' });
    writeFileSync(file, original);
    const errors = (result.stdout.match(/typetests\.ts\(\d+,\d+\): error/g) ?? []).length;
    expect(result.status).not.toBe(0);
    // One error per removed expectation.
    expect(errors).toBe((original.match(/^\s*\/\/ @ts-expect-error/gm) ?? []).length);
  });
});
