/**
 * `chinook-ipc/toolchain`, the programmatic API for build tools: the same results as the CLI,
 * without touching the file system, and importable by its package name once built.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  buildSystem,
  createDependencyGraph,
  DIAGNOSTIC_CODES,
  findDependencyLoops,
  generateSystem,
  renderMermaid,
  type ManifestFile,
  type WaitForEdge,
} from '../src/toolchain.js';

const REPO = join(import.meta.dirname, '..');
const run = promisify(execFile);

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The reference system's manifests, with paths as the CLI sees them from the repository root. */
function readReferenceManifests(): ManifestFile[] {
  return listFiles(join(REPO, 'schemas'))
    .filter((p) => /\.ya?ml$/.test(p))
    .map((p) => ({ path: relative(REPO, p).split(sep).join('/'), text: readFileSync(p, 'utf8') }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const referenceOptions = { system: 'home', manifests: 'schemas', out: 'generated', handlers: 'handlers', generatorVersion: version };

describe('chinook-ipc/toolchain', () => {
  it('generates exactly the committed generated/ of the reference system, as `chinook generate` does', async () => {
    const result = await generateSystem(readReferenceManifests(), referenceOptions);
    expect(result.ok).toBe(true);
    expect(result.diagnostics).toEqual([]);
    const committed = new Map(listFiles(join(REPO, 'generated')).map((p) => [relative(join(REPO, 'generated'), p).split(sep).join('/'), readFileSync(p, 'utf8')]));
    expect(result.files.map((f) => f.path)).toEqual([...committed.keys()].sort());
    for (const file of result.files) expect(file.content, file.path).toBe(committed.get(file.path));
    expect(result.scaffolds.map((s) => s.path)).toEqual(result.model!.services.map((s) => `handlers/${s.name}.ts`));
  });

  it('reports exactly what buildSystem reports for invalid manifests, and generates nothing', async () => {
    const manifests: ManifestFile[] = [
      { path: 'schemas/a.yaml', text: 'domain: a\nowner: svc-a\nversion: 1\ndependsOn: [b]\nstate: { type: object }\n' },
      { path: 'schemas/b.yaml', text: 'domain: b\nowner: svc-b\nversion: 1\ndependsOn: [a]\nstate: { type: object, properties: { x: { type: strin } } }\n' },
    ];
    const result = await generateSystem(manifests, { system: 'bad' });
    const built = buildSystem(manifests, { system: 'bad', folder: 'schemas' });
    expect(result.ok).toBe(false);
    expect(result.files).toEqual([]);
    expect(result.scaffolds).toEqual([]);
    expect(result.diagnostics).toEqual(built.diagnostics);
    expect(result.diagnostics.map((d) => d.code).sort()).toEqual(['dependency-cycle', 'schema-invalid']);
    expect(DIAGNOSTIC_CODES).toContain('dependency-cycle');
  });

  it('reports what codegen cannot type (an `$anchor`) as schema-invalid at its key', async () => {
    const manifests: ManifestFile[] = [{ path: 'schemas/a.yaml', text: 'domain: a\nowner: svc-a\nversion: 1\nstate:\n  type: object\n  properties:\n    p: { type: number, $anchor: lamp }\n' }];
    const result = await generateSystem(manifests, { system: 't' });
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toMatchObject([{ code: 'schema-invalid', file: 'schemas/a.yaml', line: 7, column: 24 }]);
  });

  it('exposes the loop check and the Mermaid picture', () => {
    const at = { file: 'x.yaml', line: 1, column: 1 };
    const edges: WaitForEdge[] = [
      { from: 'svc-a', to: 'svc-b', domain: 'a', dependency: 'b', location: at },
      { from: 'svc-b', to: 'svc-a', domain: 'b', dependency: 'a', location: at },
    ];
    expect(findDependencyLoops(['svc-a', 'svc-b'], edges).map((d) => d.code)).toEqual(['dependency-cycle']);
    const { model } = buildSystem(readReferenceManifests(), { system: 'home', folder: 'schemas' });
    const picture = renderMermaid(createDependencyGraph(model!));
    for (const service of model!.services) expect(picture).toContain(service.name);
  });

  it('is importable as `chinook-ipc/toolchain` from the build (package self-reference)', async () => {
    expect(existsSync(join(REPO, 'dist', 'toolchain.js')), 'dist/toolchain.js is missing: run `npm run build`').toBe(true);
    const script = [
      "const t = await import('chinook-ipc/toolchain');",
      "const r = await t.generateSystem([{ path: 's/a.yaml', text: 'domain: a\\nowner: svc-a\\nversion: 1\\nstate: { type: object }\\n' }], { system: 's', manifests: 's' });",
      "console.log(JSON.stringify({ ok: r.ok, files: r.files.map((f) => f.path), fns: ['buildSystem', 'findDependencyLoops', 'renderMermaid', 'generateOutputs'].map((n) => typeof t[n]) }));",
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO });
    const got = JSON.parse(stdout) as { ok: boolean; files: string[]; fns: string[] };
    expect(got.ok).toBe(true);
    expect(got.files).toContain('domains/a.ts');
    expect(got.fns).toEqual(['function', 'function', 'function', 'function']);
  });
});
