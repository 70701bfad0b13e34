/**
 * docs/handlers.md's complete example, taken from the page itself: its two manifests
 * (`# schemas/…` blocks), its two handlers (`// handlers/…` blocks) and its test of
 * display-service (the `node:test` block), laid out as a user's project, generated with
 * `chinook generate`, type-checked with `chinook init`'s tsconfig (plus the test), and the
 * test run with Node's test runner, as the page says.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './golden.js';

// Inside the repository, so `chinook-ipc/runtime` (self-reference) and tsx resolve.
const TMP_ROOT = join(REPO, '.tmp');
mkdirSync(TMP_ROOT, { recursive: true });
const work = mkdtempSync(join(TMP_ROOT, 'handlers-doc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd: work, encoding: 'utf8', timeout: 120_000, ...options });
  return { status: r.status, out: `${String(r.stdout)}${String(r.stderr)}` };
}

/** Every fenced block of the page with its language. */
function blocks(markdown: string): { lang: string; body: string }[] {
  return [...markdown.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]! }));
}

/** The example's files, by path in the project, as the page shows them. */
function exampleFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const { lang, body } of blocks(readFileSync(join(REPO, 'docs', 'handlers.md'), 'utf8'))) {
    const first = body.split('\n')[0]!;
    const yaml = lang === 'yaml' ? /^# (schemas\/[\w-]+\.domain\.yaml)/.exec(first) : null;
    const handler = lang === 'ts' ? /^\/\/ (handlers\/[\w-]+\.ts)/.exec(first) : null;
    if (yaml !== null) files.set(yaml[1]!, body);
    else if (handler !== null) files.set(handler[1]!, body);
    else if (lang === 'ts' && body.includes("from 'node:test'")) files.set('test/display-service.test.ts', body);
  }
  return files;
}

describe('docs/handlers.md, the complete example', () => {
  it('generates, type-checks and its test passes', () => {
    const files = exampleFiles();
    expect([...files.keys()].sort()).toEqual([
      'handlers/counter-service.ts',
      'handlers/display-service.ts',
      'schemas/counter.domain.yaml',
      'schemas/display.domain.yaml',
      'test/display-service.test.ts',
    ]);
    writeFileSync(join(work, 'chinook.config.yaml'), 'system: fh-ex\n');
    for (const [path, content] of files) {
      if (path.startsWith('handlers/')) continue; // after generate, which writes its scaffolds
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    }
    const generate = run(process.execPath, [join(REPO, 'bin', 'chinook.js'), 'generate']);
    expect(generate.status, generate.out).toBe(0);
    for (const [path, content] of files) if (path.startsWith('handlers/')) writeFileSync(join(work, path), content);

    const tsconfig = readFileSync(join(REPO, 'templates', 'init', 'tsconfig.json.tmpl'), 'utf8')
      .replace('{{out}}', 'generated')
      .replace('"{{handlers}}"', '"handlers", "test"');
    writeFileSync(join(work, 'tsconfig.json'), tsconfig);
    const tsc = run(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', '.']);
    expect(tsc.out).toBe('');
    expect(tsc.status).toBe(0);

    const test = run(process.execPath, ['--import', 'tsx', '--test', 'test/display-service.test.ts']);
    expect(test.out).toMatch(/# pass 1\b/);
    expect(test.status, test.out).toBe(0);
  }, 180_000);
});
