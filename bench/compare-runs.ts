/**
 * How far apart two bench runs are (see bench/lib/compare.ts): a markdown table, one line per
 * figure both runs have, then a one-line summary. Exits 0 whatever the distance (it reports,
 * it does not judge); 2 on wrong usage or an unreadable file.
 *
 *   npm run bench:compare -- <first results.json> <second results.json>
 *   node --import tsx bench/compare-runs.ts <first results.json> <second results.json>
 */
import { readFileSync } from 'node:fs';
import { compareRuns, renderComparison, summarize } from './lib/compare.js';
import type { BenchResults } from './lib/report.js';

const [first, second] = process.argv.slice(2);
if (!first || !second) {
  process.stderr.write('usage: npm run bench:compare -- <first results.json> <second results.json>\n');
  process.exit(2);
}
let runs: [BenchResults, BenchResults];
try {
  const load = (file: string): BenchResults => JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  runs = [load(first), load(second)];
} catch (error) {
  process.stderr.write(`bench:compare: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
const [a, b] = runs;
const comparison = compareRuns(a, b);
process.stdout.write(`runs: ${a.machine.date} and ${b.machine.date}\n\n${renderComparison(comparison)}\n\n${summarize(comparison)}\n`);
