/**
 * Result rows and their renderings: a fixed-width table for the terminal, markdown for
 * bench/results.md and docs/performance.md, and JSON for bench/results.json.
 */
import { median, percentile, roundForDisplay } from './stats.js';

/** The row shape shared with bench/toolchain.ts and bench/codegen.ts. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** min and max over the rounds (value is their median, unless the note says otherwise). */
  readonly range?: readonly [number, number];
  /** Each round's figure, in the order measured (JSON only: to see drift, or a first round that is off). */
  readonly rounds?: { readonly values: readonly number[]; readonly baseline?: readonly number[] };
  readonly baseline?: { readonly name: string; readonly value: number; readonly range?: readonly [number, number] };
  /** Process CPU time (user + system) per update, µs, median over rounds: Chinook and its baseline. */
  readonly cpuPerUpdate?: { readonly value: number; readonly baseline: number };
  /** value / baseline.value */
  readonly ratio?: number;
  /** Optional extras (runtime scenarios set them). */
  readonly scenario?: string;
  /** Whether a higher value is better, for reading the ratio. */
  readonly better?: 'higher' | 'lower';
  /** e.g. `ratio ≥ 0.85` */
  readonly target?: string;
  /** true/false when a target applies. */
  readonly met?: boolean;
  readonly note?: string;
}

export interface SkippedScenario {
  readonly scenario: string;
  readonly reason: string;
}

export interface MachineFacts {
  readonly date: string;
  readonly nproc: number;
  readonly cpu: string;
  readonly node: string;
  readonly platform: string;
  readonly brokers: { readonly [name: string]: string };
  readonly quick: boolean;
  readonly rounds: number;
  readonly durationSeconds?: number;
  /** Wall-clock seconds each scenario took, in run order. */
  readonly scenarioSeconds?: { readonly [scenario: string]: number };
}

export interface BenchResults {
  readonly machine: MachineFacts;
  readonly rows: readonly BenchRow[];
  readonly skipped: readonly SkippedScenario[];
}

interface Spread {
  value: number;
  range: [number, number];
  baseline: number;
  baselineRange: [number, number];
  rounds: { values: number[]; baseline: number[] };
}

const rangeOf = (v: readonly number[]): [number, number] => [Math.min(...v), Math.max(...v)];

/** The median of each side's rounds, with min–max (and the rounds themselves): spread into compareRow. */
export function spreadOf(values: readonly number[], baselines: readonly number[]): Spread {
  return {
    value: median(values),
    range: rangeOf(values),
    baseline: median(baselines),
    baselineRange: rangeOf(baselines),
    rounds: { values: [...values], baseline: [...baselines] },
  };
}

/**
 * A tail percentile that holds still between runs: the percentile `p` of every round's samples
 * pooled (10 rounds × 1,000 samples make p99 the 100th-worst sample, not the 10th), with the
 * min–max of the per-round percentiles as the spread. Spread into compareRow.
 */
export function pooledPercentileOf(samples: readonly (readonly number[])[], baselineSamples: readonly (readonly number[])[], p: number): Spread {
  const perRound = (rounds: readonly (readonly number[])[]): number[] => rounds.map((r) => percentile(r, p));
  const values = perRound(samples);
  const baselines = perRound(baselineSamples);
  return {
    value: percentile(samples.flat(), p),
    range: rangeOf(values),
    baseline: percentile(baselineSamples.flat(), p),
    baselineRange: rangeOf(baselines),
    rounds: { values, baseline: baselines },
  };
}

/** Makes a row with its baseline and ratio (value / baseline). */
export function compareRow(options: {
  scenario: string;
  name: string;
  unit: string;
  value: number;
  range?: readonly [number, number];
  baselineName: string;
  baseline: number;
  baselineRange?: readonly [number, number];
  rounds?: { readonly values: readonly number[]; readonly baseline?: readonly number[] };
  better: 'higher' | 'lower';
  /** The ratio must be ≥ (better: higher) or ≤ (lower) this to meet the target. */
  targetRatio?: number;
  /** The value itself must be ≤ this (in the row's unit) to meet the target. */
  targetMax?: number;
  cpuPerUpdate?: { readonly value: number; readonly baseline: number };
  note?: string;
}): BenchRow {
  const ratio = options.baseline === 0 ? Number.NaN : options.value / options.baseline;
  const target = options.targetRatio;
  const max = options.targetMax;
  return {
    scenario: options.scenario,
    name: options.name,
    value: options.value,
    unit: options.unit,
    ...(options.range ? { range: options.range } : {}),
    ...(options.rounds ? { rounds: options.rounds } : {}),
    baseline: { name: options.baselineName, value: options.baseline, ...(options.baselineRange ? { range: options.baselineRange } : {}) },
    ratio,
    better: options.better,
    ...(target !== undefined
      ? {
          target: `${options.better === 'higher' ? '≥' : '≤'} ${target}×`,
          met: options.better === 'higher' ? ratio >= target : ratio <= target,
        }
      : {}),
    ...(max !== undefined ? { target: `≤ ${max} ${options.unit}`, met: options.value <= max } : {}),
    ...(options.cpuPerUpdate ? { cpuPerUpdate: options.cpuPerUpdate } : {}),
    ...(options.note !== undefined ? { note: options.note } : {}),
  };
}

function formatNumber(value: number | undefined): string {
  if (value === undefined) return '';
  if (!Number.isFinite(value)) return String(value);
  return String(roundForDisplay(value));
}

function formatRatio(row: BenchRow): string {
  if (row.ratio === undefined || !Number.isFinite(row.ratio)) return row.baseline ? 'n/a' : '';
  return `${row.ratio.toFixed(2)}×`;
}

function formatTarget(row: BenchRow): string {
  if (!row.target) return '';
  return `${row.target} ${row.met ? 'met' : 'MISSED'}`;
}

const headers = ['benchmark', 'value (min–max)', 'unit', 'baseline', 'baseline value (min–max)', 'ratio', 'CPU µs/update (baseline)', 'target'] as const;

function withRange(value: number | undefined, range: readonly [number, number] | undefined): string {
  const shown = formatNumber(value);
  return range ? `${shown} (${formatNumber(range[0])}–${formatNumber(range[1])})` : shown;
}

function cells(row: BenchRow): string[] {
  return [
    row.name,
    withRange(row.value, row.range),
    row.unit,
    row.baseline?.name ?? '',
    withRange(row.baseline?.value, row.baseline?.range),
    formatRatio(row),
    row.cpuPerUpdate ? `${formatNumber(row.cpuPerUpdate.value)} (${formatNumber(row.cpuPerUpdate.baseline)})` : '',
    formatTarget(row),
  ];
}

export function renderTable(results: BenchResults): string {
  const body = results.rows.map(cells);
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 1 || i === 4 || i === 5 || i === 6 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(headers), widths.map((w) => '-'.repeat(w)).join('  ')];
  let scenario: string | undefined;
  for (const [i, row] of results.rows.entries()) {
    if (row.scenario !== scenario && i > 0) out.push('');
    scenario = row.scenario;
    out.push(line(body[i]!));
  }
  for (const skip of results.skipped) out.push(`SKIPPED ${skip.scenario}: ${skip.reason}`);
  return out.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderMarkdownTable(results: BenchResults): string {
  const out = [`| ${headers.join(' | ')} |`, `|${headers.map((_, i) => (i === 1 || i === 4 || i === 5 || i === 6 ? '---:' : '---')).join('|')}|`];
  for (const row of results.rows) out.push(`| ${cells(row).map(escapeCell).join(' | ')} |`);
  return out.join('\n');
}

function renderScenarioSeconds(machine: MachineFacts): string {
  const entries = Object.entries(machine.scenarioSeconds ?? {});
  return entries.length === 0 ? '' : ` (${entries.map(([name, seconds]) => `${name} ${Math.round(seconds)}`).join(', ')})`;
}

export function renderMachine(machine: MachineFacts): string {
  const brokers = Object.entries(machine.brokers)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return [
    `- date: ${machine.date}${machine.quick ? ' (quick run: tiny sizes, figures only prove it runs)' : ''}`,
    `- machine: ${machine.nproc} cores (\`nproc\`), ${machine.cpu}, ${machine.platform}`,
    `- node ${machine.node}; brokers: ${brokers || 'none'}`,
    `- rounds per figure: ${machine.rounds} unless a note says otherwise (median, min–max in brackets; raw and Chinook rounds interleaved)`,
    ...(machine.durationSeconds !== undefined ? [`- whole run: ${Math.round(machine.durationSeconds)} s${renderScenarioSeconds(machine)}`] : []),
  ].join('\n');
}

export function renderMarkdown(results: BenchResults): string {
  const notes = results.rows.filter((r) => r.note).map((r) => `- **${r.name}**: ${r.note}`);
  const skipped = results.skipped.map((s) => `- **skipped ${s.scenario}**: ${s.reason}`);
  return [
    '## Latest results',
    '',
    renderMachine(results.machine),
    '',
    renderMarkdownTable(results),
    '',
    ...(notes.length > 0 ? ['Notes:', '', ...notes, ''] : []),
    ...(skipped.length > 0 ? [...skipped, ''] : []),
  ].join('\n');
}
