/**
 * `chinook diff` as a user runs it: the built CLI in a temporary git repository holding a
 * copy of the reference manifests, compared with a git ref (read by git itself) or a folder.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeIfBinary } from '../support/brokers.js';
import { ROOT, runCli } from '../manifest/run-cli.js';


const work = mkdtempSync(join(tmpdir(), 'chinook-diff-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
}

/** A repository whose `main` holds the reference manifests; returns its path. */
function createRepo(name: string): string {
  const repo = join(work, name);
  cpSync(join(ROOT, 'schemas'), join(repo, 'schemas'), { recursive: true });
  cpSync(join(ROOT, 'chinook.config.yaml'), join(repo, 'chinook.config.yaml'));
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'reference system');
  return repo;
}

function edit(repo: string, file: string, from: string | RegExp, to: string): void {
  const path = join(repo, 'schemas', file);
  const text = readFileSync(path, 'utf8');
  const next = text.replace(from, to);
  expect(next, `${file}: ${String(from)} found`).not.toBe(text);
  writeFileSync(path, next);
}

describeIfBinary('git', 'chinook diff --against a git ref', () => {
  it('unchanged manifests: exit 0', () => {
    const repo = createRepo('unchanged');
    const run = runCli(['diff', '--against', 'main'], repo);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('unchanged: climate, lighting, power, presence, security, tariff\n\nok against main: 0 domains changed, every change compatible or covered by a version bump\n');
    expect(run.status).toBe(0);
  });

  it('a narrowed bound without a bump: exit 1, the change at its line in the new file, the error at `version`; a bump makes it exit 0', () => {
    const repo = createRepo('narrowed');
    edit(repo, 'lighting.domain.yaml', 'maximum: 100', 'maximum: 50');
    const run = runCli(['diff', '--against', 'main'], repo);
    expect(run.status).toBe(1);
    const line = readFileSync(join(repo, 'schemas', 'lighting.domain.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('maximum: 50')) + 1;
    expect(run.stdout).toContain(`lighting (schemas/lighting.domain.yaml): BREAKING without a version bump (version 1)\n  schemas/lighting.domain.yaml:${line}:11: narrowed: maximum 100 → 50 at /lamps/*/brightness\n      old readers of new states: ok; new readers of old states: BREAK\n`);
    expect(run.stdout).toContain('schemas/lighting.domain.yaml:4:1: error[breaking-without-bump]: `lighting` has a breaking change but keeps version 1');
    expect(run.stdout).toContain('unchanged: climate, power, presence, security, tariff');

    const github = runCli(['diff', '--against', 'main', '--format', 'github'], repo);
    expect(github.status).toBe(1);
    expect(github.stdout.split('\n').filter((l) => l !== '').map((l) => l.slice(0, l.indexOf('::', 2)))).toEqual([
      '::error file=schemas/lighting.domain.yaml,line=4,col=1',
      `::warning file=schemas/lighting.domain.yaml,line=${line},col=11`,
    ]);

    edit(repo, 'lighting.domain.yaml', /^version: 1$/m, 'version: 2');
    const bumped = runCli(['diff', '--against', 'main', '--format', 'json'], repo);
    expect(bumped.status).toBe(0);
    const result = JSON.parse(bumped.stdout) as { ok: boolean; errors: unknown[]; warnings: { code: string }[]; domains: { domain: string; verdict: string; changes: { kind: string; line: number; oldReadsNew: string; newReadsOld: string }[] }[] };
    expect(result.ok).toBe(true);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.code)).toEqual(['breaking-change']);
    const lighting = result.domains.find((d) => d.domain === 'lighting')!;
    expect(lighting.verdict).toBe('bumped');
    expect(lighting.changes[0]).toMatchObject({ kind: 'narrowed', line, oldReadsNew: 'ok', newReadsOld: 'breaks' });
  });

  it('reads the ref, not the working tree: a committed change compared with the commit before it', () => {
    const repo = createRepo('history');
    edit(repo, 'tariff.domain.yaml', 'enum: [cheap, normal, peak]', 'enum: [cheap, normal, peak, negative]');
    git(repo, 'commit', '-q', '-am', 'negative prices');
    expect(runCli(['diff', '--against', 'HEAD'], repo).status).toBe(0);
    const run = runCli(['diff', '--against', 'HEAD~1'], repo);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('widened: enum: + "negative" at /slots/*/band\n      old readers of new states: BREAK; new readers of old states: ok');
  });

  it('a removed domain that a remaining domain required: exit 1', () => {
    const repo = createRepo('removed');
    rmSync(join(repo, 'schemas', 'security.domain.yaml'));
    expect(runCli(['diff', '--against', 'main'], repo).status).toBe(0);
    rmSync(join(repo, 'schemas', 'tariff.domain.yaml'));
    edit(repo, 'climate.domain.yaml', /\n {2}- tariff[^\n]*/, '');
    const run = runCli(['diff', '--against', 'main'], repo);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('tariff (schemas/tariff.domain.yaml at main): removed (was version 1)');
    expect(run.stdout).toContain('error[removed-with-dependants]: domain `tariff` is removed while `climate` (climate-service) requires it in the earlier manifests');
  });

  it('a commit without the manifest folder: every domain is new, exit 0', () => {
    const repo = join(work, 'first');
    cpSync(join(ROOT, 'chinook.config.yaml'), join(repo, 'chinook.config.yaml'));
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'config only');
    cpSync(join(ROOT, 'schemas'), join(repo, 'schemas'), { recursive: true });
    const run = runCli(['diff', '--against', 'main'], repo);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('lighting (schemas/lighting.domain.yaml): added, version 1');
  });

  it('compares with a folder as well', () => {
    const repo = createRepo('folder');
    cpSync(join(repo, 'schemas'), join(repo, 'before'), { recursive: true });
    edit(repo, 'presence.domain.yaml', /^version: 1$/m, 'version: 2');
    const run = runCli(['diff', '--against', 'before'], repo);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('presence (schemas/presence.domain.yaml): version 1 → 2');
  });

  it('usage errors exit 2: no --against, an unknown ref, a bad format; --help exits 0', () => {
    const repo = createRepo('usage');
    const missing = runCli(['diff'], repo);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--against REF|DIR is required\nusage: chinook diff');
    const unknown = runCli(['diff', '--against', 'no-such-branch'], repo);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('`no-such-branch` is neither a folder nor a git commit');
    expect(runCli(['diff', '--against', '--format'], repo).status).toBe(2);
    expect(runCli(['diff', '--against', 'main', '--format', 'yaml'], repo).status).toBe(2);
    const help = runCli(['diff', '--help'], repo);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: chinook diff --against REF|DIR');
  });

  it('invalid earlier manifests: exit 2, with their diagnostics', () => {
    const repo = createRepo('invalid-earlier');
    edit(repo, 'power.domain.yaml', /^owner: .*$/m, 'owner: Not Valid');
    git(repo, 'commit', '-q', '-am', 'broken');
    edit(repo, 'power.domain.yaml', /^owner: .*$/m, 'owner: energy-service');
    const run = runCli(['diff', '--against', 'HEAD'], repo);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('the earlier manifests (HEAD) are not valid');
    expect(run.stderr).toContain('error[manifest-invalid]');
  });

  it('invalid current manifests: exit 1 with their diagnostics', () => {
    const repo = createRepo('invalid');
    edit(repo, 'power.domain.yaml', /^owner: .*$/m, 'owner: Not Valid');
    const run = runCli(['diff', '--against', 'main'], repo);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('error[manifest-invalid]');
  });
});
