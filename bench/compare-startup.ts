/**
 * Start-up and memory of two checkouts side by side, rounds interleaved (for docs/performance.md:
 * what a change bought). `node --import tsx bench/compare-startup.ts <other checkout> [rounds]`
 * (the other checkout built, with node_modules).
 */
import { bareRound, chinookRound } from './startup.js';
import { cleanUpEverything } from './lib/processes.js';
import { spreadOf } from './lib/report.js';

const [other, roundsText = '5'] = process.argv.slice(2);
if (!other) throw new Error('usage: compare-startup.ts <other checkout> [rounds]');
const rows: Record<string, { ms: number[]; rssMB: number[]; cpuMs: number[] }> = {};
const record = (label: string, r: { ms: number; rssPerService: number; cpuMsPerService: number }): void => {
  const row = (rows[label] ??= { ms: [], rssMB: [], cpuMs: [] });
  row.ms.push(r.ms);
  row.rssMB.push(r.rssPerService / 1024 / 1024);
  row.cpuMs.push(r.cpuMsPerService);
};
try {
  for (let round = 0; round < Number(roundsText); round++) {
    process.stderr.write(`round ${round + 1}\n`);
    record('bare node + mqtt.js ×5', await bareRound());
    record('other: chinook run', await chinookRound(false, other));
    record('this: chinook run', await chinookRound(false));
    record('other: --in-process', await chinookRound(true, other));
    record('this: --in-process', await chinookRound(true));
  }
} finally {
  await cleanUpEverything();
}
const show = (v: number[]): string => {
  const s = spreadOf(v, v);
  return `${s.value.toFixed(0)} (${s.range[0].toFixed(0)}–${s.range[1].toFixed(0)})`;
};
process.stdout.write('| run | to all online, ms | RSS per service, MB | CPU per service to online + 1 s, ms |\n|---|---:|---:|---:|\n');
for (const [label, r] of Object.entries(rows)) process.stdout.write(`| ${label} | ${show(r.ms)} | ${show(r.rssMB)} | ${show(r.cpuMs)} |\n`);
process.exit(0);
