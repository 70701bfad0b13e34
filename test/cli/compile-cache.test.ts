/**
 * The compile cache of `chinook run` (src/cli/run/compile-cache.ts): TypeScript compiled once,
 * reused while no input changes, rebuilt when one does; `import.meta.url` keeps meaning the
 * source file; a syntax error is a located CompileError.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheFolder, CompileError, compileEntries } from '../../src/cli/run/compile-cache.js';

const project = mkdtempSync(path.join(os.tmpdir(), 'chinook-compile-cache-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function write(file: string, text: string): string {
  const full = path.join(project, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

const shared = write('gen/shared.ts', 'export const loaded: string[] = [];\nexport function tag(name: string): string { loaded.push(name); return name; }\n');
const entryA = write('gen/index.ts', "import { tag } from './shared.js';\nexport const a: string = tag('a');\nexport const where = import.meta.url;\n");
const entryB = write('handlers/b.ts', "import { tag, loaded } from '../gen/shared.js';\nexport default { name: tag('b') as string, loaded };\n");

function builds(): string[] {
  return readdirSync(cacheFolder(project)).filter((name) => statSync(path.join(cacheFolder(project), name)).isDirectory());
}

describe('the compile cache', () => {
  it('compiles entries to plain JavaScript that shares modules, and keeps import.meta.url of the source', async () => {
    const { modules: compiled, fromCache } = await compileEntries({ cwd: project, entries: [entryA, entryB] });
    expect(fromCache).toBe(false);
    const a = (await import(compiled.get(entryA)!)) as { a: string; where: string };
    const b = (await import(compiled.get(entryB)!)) as { default: { loaded: string[] } };
    expect(a.a).toBe('a');
    expect(a.where).toBe(pathToFileURL(entryA).href);
    // One shared chunk: both entries tagged into the same array.
    expect(b.default.loaded).toEqual(['a', 'b']);
    expect(compiled.get(entryA)).toMatch(/node_modules\/\.cache\/chinook\/[0-9a-f]+\/gen\/index\.mjs$/);
  });

  it('reuses the build while no input changes, and rebuilds when a shared input does', async () => {
    const first = await compileEntries({ cwd: project, entries: [entryA, entryB] });
    const again = await compileEntries({ cwd: project, entries: [entryB, entryA] });
    expect([first.fromCache, again.fromCache]).toEqual([true, true]);
    expect(again.modules.get(entryA)).toBe(first.modules.get(entryA));
    expect(builds()).toHaveLength(1);
    write('gen/shared.ts', 'export const loaded: string[] = [];\nexport function tag(name: string): string { loaded.push(name.toUpperCase()); return name; }\n');
    const changed = await compileEntries({ cwd: project, entries: [entryA, entryB] });
    expect(changed.fromCache).toBe(false);
    expect(changed.modules.get(entryA)).not.toBe(first.modules.get(entryA));
    expect(builds()).toHaveLength(2);
    void shared;
  });

  it('reports a syntax error with the file and line, relative to the project', async () => {
    const broken = write('handlers/broken.ts', 'export default {\n  onStart( {\n};\n');
    const error = await compileEntries({ cwd: project, entries: [entryA, broken] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompileError);
    expect((error as CompileError).file).toBe('handlers/broken.ts');
    expect((error as CompileError).message).toMatch(/^handlers\/broken\.ts:3:\d+: /);
  });
});
