/**
 * Prints docs/buses.md's "Measured figures" table from a run's results:
 * `npx tsx bench/buses-table.ts [bench/results.json]` (a full `npm run bench` pastes it itself).
 */
import { readFileSync } from 'node:fs';
import { renderBusesTable } from './lib/buses-table.js';
import type { BenchResults } from './lib/report.js';

const file = process.argv[2] ?? 'bench/results.json';
process.stdout.write(`${renderBusesTable(JSON.parse(readFileSync(file, 'utf8')) as BenchResults)}\n`);
