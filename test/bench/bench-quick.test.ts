/**
 * `npm run bench -- --quick` must keep running: every scenario produces its rows, each with
 * a baseline and a ratio. It asserts that the benchmark ran, never how fast anything was.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isBrokerInstalled } from '../../bench/lib/brokers.js';
import { isCi } from '../../bench/lib/ci.js';
import type { BenchResults } from '../../bench/lib/report.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = mkdtempSync(path.join(os.tmpdir(), 'chinook-bench-test-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

function runQuickBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out, '--no-docs'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench -- --quick', () => {
  it('runs every scenario and writes every row with its baseline and ratio', { timeout: 280_000 }, async () => {
    const run = await runQuickBench();
    expect(run.stdout + run.stderr).not.toMatch(/FAILED/);
    expect(run.code, run.stderr.slice(-3_000)).toBe(0);

    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as BenchResults;
    expect(existsSync(path.join(out, 'results.md'))).toBe(true);
    expect(results.machine.quick).toBe(true);
    expect(results.machine.nproc).toBeGreaterThan(0);

    const all = ['mosquitto', 'aedes', 'redis', 'nats'] as const;
    const brokers = all.filter((kind) => isBrokerInstalled(kind));
    const missing = all.filter((kind) => !brokers.includes(kind));
    if (missing.length > 0) {
      // Never silently fewer brokers: a failure under CI, a loud warning elsewhere.
      if (isCi()) expect.fail(`broker binaries missing under CI: ${missing.join(', ')} (.ci/run installs them)`);
      console.warn(`\n*** bench --quick ran WITHOUT ${missing.join(', ')}: not installed (under CI, CI=true or CI=1, this is a failure) ***\n`);
      expect(run.stderr).toMatch(/bench: SKIPPED/);
    }
    const scenarios = new Set(results.rows.map((row) => row.scenario));
    for (const kind of brokers) {
      for (const scenario of ['update', 'late-join', 'fan-out', 'crash']) {
        expect([...scenarios].some((s) => s?.startsWith(`${scenario}/${kind}`)), `${scenario} on ${kind}`).toBe(true);
      }
      // throughput (against raw, and raw with its own echo), p50 and p99 per broker; both crash kinds per broker.
      expect(results.rows.filter((r) => r.scenario === `update/${kind}`)).toHaveLength(4);
      expect(results.rows.filter((r) => r.scenario?.startsWith(`crash/${kind}/`))).toHaveLength(2);
    }
    for (const scenario of ['memory', 'toolchain', 'codegen', 'startup']) expect(scenarios.has(scenario), scenario).toBe(true);
    expect([...scenarios].some((s) => s?.startsWith('scale/')), 'N services × 20/s').toBe(true);
    // Start-up and memory per service, each beside its bare node + mqtt.js baseline, with min–max.
    const startup = results.rows.filter((r) => r.scenario === 'startup');
    expect(startup.map((r) => r.name)).toEqual([
      expect.stringContaining('`chinook run` (npm start) → all 5 reference services online'),
      expect.stringContaining('`chinook run --in-process` → all 5'),
      expect.stringContaining('resident memory per service process'),
      expect.stringContaining('resident memory per service, `chinook run --in-process`'),
    ]);
    for (const row of startup) expect(row.range, row.name).toHaveLength(2);

    // The runtime scenarios report every figure against its baseline from the same run.
    for (const row of results.rows.filter((r) => r.scenario !== 'toolchain' && r.scenario !== 'codegen')) {
      expect(row.baseline, row.name).toBeDefined();
      expect(Number.isFinite(row.value), row.name).toBe(true);
      expect(Number.isFinite(row.ratio), row.name).toBe(true);
    }
    expect(run.stdout).toContain('ratio');
    // Throughput rows carry process CPU time per update, typed and raw.
    for (const row of results.rows.filter((r) => r.name.startsWith('update throughput'))) {
      expect(row.cpuPerUpdate?.value, row.name).toBeGreaterThan(0);
      expect(row.cpuPerUpdate?.baseline, row.name).toBeGreaterThan(0);
    }
  });
});
