/**
 * How far apart two bench runs are: for every row both have (matched by name), the relative
 * difference of the values (|a − b| / min(|a|, |b|)), of the ratios, and of CPU per update,
 * and whether each is within the tolerance (15%: issue 14's bar for two consecutive runs).
 */
import type { BenchResults, BenchRow } from './report.js';

export const tolerance = 0.15;

export interface RowComparison {
  readonly name: string;
  readonly value: number | undefined;
  readonly ratio: number | undefined;
  readonly cpu: number | undefined;
  /** Whether the rows carry CPU per update at all (an empty cell otherwise). */
  readonly hasCpu: boolean;
}

export interface RunComparison {
  readonly rows: readonly RowComparison[];
  /** Names in only one of the two runs. */
  readonly unmatched: readonly string[];
}

/** |x − y| / min(|x|, |y|); undefined when either is missing, not finite, or zero. */
export function apart(x: number | undefined, y: number | undefined): number | undefined {
  if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) return undefined;
  const smaller = Math.min(Math.abs(x), Math.abs(y));
  return smaller === 0 ? undefined : Math.abs(x - y) / smaller;
}

export function compareRuns(a: BenchResults, b: BenchResults): RunComparison {
  const byName = new Map<string, BenchRow>(b.rows.map((r) => [r.name, r]));
  const rows: RowComparison[] = [];
  for (const row of a.rows) {
    const other = byName.get(row.name);
    if (!other) continue;
    rows.push({
      name: row.name,
      value: apart(row.value, other.value),
      ratio: apart(row.ratio, other.ratio),
      cpu: apart(row.cpuPerUpdate?.value, other.cpuPerUpdate?.value),
      hasCpu: row.cpuPerUpdate !== undefined,
    });
  }
  const inA = new Set(a.rows.map((r) => r.name));
  const unmatched = [...a.rows.filter((r) => !byName.has(r.name)), ...b.rows.filter((r) => !inA.has(r.name))].map((r) => r.name);
  return { rows, unmatched };
}

const within = (d: number | undefined): boolean => d !== undefined && d <= tolerance;

/** "N of M figures within 15%; ratios: K of L within 15%" (ratios: the rows that have one in both runs). */
export function summarize(comparison: RunComparison): string {
  const values = comparison.rows.filter((r) => r.value !== undefined);
  const ratios = comparison.rows.filter((r) => r.ratio !== undefined);
  const pct = Math.round(tolerance * 100);
  const unmatched = comparison.unmatched.length > 0 ? ` (${comparison.unmatched.length} figures in only one run, not compared)` : '';
  return (
    `${values.filter((r) => within(r.value)).length} of ${values.length} figures within ${pct}%; ` +
    `ratios: ${ratios.filter((r) => within(r.ratio)).length} of ${ratios.length} within ${pct}%${unmatched}`
  );
}

function show(d: number | undefined): string {
  if (d === undefined) return 'n/a';
  return `${(d * 100).toFixed(0)}%${within(d) ? '' : ` **>${Math.round(tolerance * 100)}%**`}`;
}

/** The markdown table docs/performance.md quotes, one line per row both runs have. */
export function renderComparison(comparison: RunComparison): string {
  const lines = ['| figure | value apart | ratio apart | CPU/update apart |', '|---|---:|---:|---:|'];
  for (const r of comparison.rows) lines.push(`| ${r.name} | ${show(r.value)} | ${show(r.ratio)} | ${r.hasCpu ? show(r.cpu) : ''} |`);
  return lines.join('\n');
}
