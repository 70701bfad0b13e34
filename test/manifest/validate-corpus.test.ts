/**
 * Every input ends with a result (MANIFEST.md): ~300 mutated manifests, alias loops and
 * billion-laughs files through the built `chinook validate`, in one child process that a
 * hang cannot outlive. Each must end with exit 0 or 1, coded diagnostics in JSON, and no
 * stack trace or "unexpected error". (fuzz.test.ts does the same in-process, many more
 * times, without the CLI around it.)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../src/manifest/diagnostics.js';
import { applyEdit, editMutations } from './mutations.js';
import { ROOT } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'chinook-validate-corpus-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const seeds = readdirSync(join(ROOT, 'schemas'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(join(ROOT, 'schemas', f), 'utf8'));

const head = 'domain: a\nowner: a-service\nversion: 1\n';
function laughs(levels: number, under: string): string {
  const lines = [`${under}:`, '  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++) lines.push(`  l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
  return lines.join('\n') + '\n';
}

/** Hostile files written by hand: alias loops in every place, alias bombs, deep nesting. */
const HOSTILE: readonly string[] = [
  `${head}state: &s {type: object, properties: {a: *s}}\n`,
  `${head}state: &s\n  type: object\n  $defs:\n    d: [*s]\n`,
  `${head}state:\n  type: object\n  properties: &p\n    a: {type: object, properties: *p}\n`,
  `${head}x-loop: &x {a: [*x]}\nstate: {type: object}\n`,
  `${head}state: &s {type: object, default: {a: {b: {c: *s}}}}\n`,
  `${head}dependsOn: &d [*d]\nstate: {type: object}\n`,
  `&root {domain: a, owner: a-service, version: 1, state: *root}\n`,
  `${head}state:\n  type: object\n  default: &k {? *k : 1}\n`,
  `${head}${laughs(9, 'x-bomb')}state: {type: object, default: *l8}\n`,
  `${head}${laughs(7, 'x-bomb')}state:\n  type: object\n  examples: [*l6, *l6, *l6]\n`,
  `${head}state: {type: object, properties: {a: ${'{type: object, properties: {a: '.repeat(2000)}{}${'}}'.repeat(2000)}}}\n`,
  `${head}state: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
  `${head}state: {type: object}\n---\n${head.replace('domain: a', 'domain: b')}state: &t {type: object, not: *t}\n`,
];

// Mutations that mimic mistakes and attacks: deletions, insertions (anchors and aliases among
// them), swapped lines, replaced words, and an alias pointed back at its own anchor.
const mutation = fc.oneof(
  ...editMutations(['&a ', '*a', '&a [*a]', '{x: *a}', '<<: *a\n', ':', '- ', '\n', '  ', '[', '{', '"', '#', '---\n', '!!str ', '\t', '? '], 12),
  fc.record({ kind: fc.constant('loop' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, m: Mutation): string {
  if (m.kind !== 'loop') return applyEdit(text, m);
  // Anchor a mapping value's line and alias it again further inside: `key: &z` … `  zz: *z`.
  const lines = text.split('\n');
  const i = m.at % lines.length;
  const indent = /^\s*/.exec(lines[i]!)![0];
  if (!/:\s*$/.test(lines[i]!)) return text;
  lines[i] = `${lines[i]} &z`;
  lines.splice(i + 1, 0, `${indent}  zz: *z`);
  return lines.join('\n');
}

function buildCorpus(): string[] {
  const random = fc.sample(fc.tuple(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 })), { numRuns: 300 - HOSTILE.length, seed: 20261130 });
  return [...HOSTILE, ...random.map(([seed, ms]) => ms.reduce(mutate, seeds[seed]!))];
}

/** Runs `chinook validate --format json` on every folder in one child; one JSON line per case. */
const CHILD = `
const { main } = await import(process.argv[1]);
const { Writable } = await import('node:stream');
for (const dir of process.argv.slice(2)) {
  let out = '';
  const sink = new Writable({ write(chunk, _e, done) { out += chunk.toString(); done(); } });
  const code = await main(['validate', '.', '--format', 'json'], { cwd: dir, stdout: sink, stderr: sink, color: false });
  process.stdout.write(JSON.stringify({ dir, code, out }) + '\\n');
}
`;

interface CaseResult {
  readonly dir: string;
  readonly code: number;
  readonly out: string;
}

function validateAll(dirs: readonly string[], timeoutMs: number): Promise<{ results: CaseResult[]; killed: boolean; stderr: string }> {
  const main = pathToFileURL(join(ROOT, 'dist', 'cli', 'main.js')).href;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, main, ...dirs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      const results = stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as CaseResult);
      resolve({ results, killed, stderr });
    });
  });
}

describe('chinook validate ends on every input', () => {
  it('300 mutated and hostile manifests (alias loops, billion laughs): 0 hangs, 0 stack traces, only coded errors', async () => {
    const corpus = buildCorpus();
    expect(corpus).toHaveLength(300);
    const dirs = corpus.map((text, i) => {
      const dir = join(work, String(i).padStart(3, '0'));
      mkdirSync(dir);
      writeFileSync(join(dir, 'm.domain.yaml'), text);
      return dir;
    });
    // A hang detector, not a speed check (the 300 take a few seconds).
    const { results, killed, stderr } = await validateAll(dirs, 100_000);
    const next = dirs[results.length];
    expect(killed, `validate hung on ${next}:\n${next === undefined ? '' : readFileSync(join(next, 'm.domain.yaml'), 'utf8').slice(0, 400)}`).toBe(false);
    expect(stderr).toBe('');
    expect(results).toHaveLength(300);
    for (const [i, r] of results.entries()) {
      const where = `case ${i} (${r.dir}): ${r.out.slice(0, 300)}`;
      expect([0, 1], where).toContain(r.code);
      expect(r.out, where).not.toMatch(/unexpected error|^\s+at .+:\d+:\d+\)?$/m);
      const parsed = JSON.parse(r.out) as { ok: boolean; errors: { code: string; line?: number }[] };
      expect(parsed.ok, where).toBe(r.code === 0);
      for (const e of parsed.errors) expect(DIAGNOSTIC_CODES, where).toContain(e.code);
    }
    // Every hand-written hostile file is an error, and an alias loop is a yaml-syntax or manifest-invalid one.
    for (let i = 0; i < HOSTILE.length; i++) expect(results[i]!.code, `hostile case ${i}: ${results[i]!.out}`).toBe(1);
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 12]) {
      const codes = (JSON.parse(results[i]!.out) as { errors: { code: string }[] }).errors.map((e) => e.code);
      expect(codes.some((c) => c === 'yaml-syntax' || c === 'manifest-invalid'), `hostile case ${i}: ${codes.join(', ')}`).toBe(true);
    }
  });
});
