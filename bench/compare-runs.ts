/**
 * How far apart two bench runs are: for every row both have, the relative difference of the
 * values (|a − b| / min(a, b)), of the ratios, and of CPU per update, and whether it is within 15%.
 * `node --import tsx bench/compare-runs.ts <first results.json> <second results.json>`
 */
import { readFileSync } from 'node:fs';
import type { BenchResults, BenchRow } from './lib/report.js';

const [first, second] = process.argv.slice(2);
if (!first || !second) throw new Error('usage: compare-runs.ts <first results.json> <second results.json>');
const load = (file: string): BenchResults => JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
const a = load(first);
const b = load(second);
const apart = (x: number | undefined, y: number | undefined): number | undefined =>
  x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y) || Math.min(Math.abs(x), Math.abs(y)) === 0
    ? undefined
    : Math.abs(x - y) / Math.min(Math.abs(x), Math.abs(y));
const show = (d: number | undefined): string => (d === undefined ? 'n/a' : `${(d * 100).toFixed(0)}%${d <= 0.15 ? '' : ' **>15%**'}`);
const byName = new Map<string, BenchRow>(b.rows.map((r) => [r.name, r]));
process.stdout.write(`runs: ${a.machine.date} and ${b.machine.date}\n\n| figure | value apart | ratio apart | CPU/update apart |\n|---|---:|---:|---:|\n`);
for (const row of a.rows) {
  const other = byName.get(row.name);
  if (!other) continue;
  const cpu = apart(row.cpuPerUpdate?.value, other.cpuPerUpdate?.value);
  process.stdout.write(`| ${row.name} | ${show(apart(row.value, other.value))} | ${show(apart(row.ratio, other.ratio))} | ${row.cpuPerUpdate ? show(cpu) : ''} |\n`);
}
