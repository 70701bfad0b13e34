/**
 * Toolchain figures: validating 1,000 manifests (against the floor of parsing them with
 * `yaml.parse` and compiling their state schemas with ajv, which any validator must do),
 * and the loop check on a 10,000-service wait-for graph.
 *
 *   node --import tsx bench/toolchain.ts [--quick]
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { createStateAjv } from '../src/manifest/check-state-schema.js';
import { buildSystem } from '../src/model/build-system.js';
import type { WaitForEdge } from '../src/model/types.js';
import { findServiceLoops } from '../src/model/wait-for-graph.js';
import { compareRow, spreadOf, type BenchRow } from './lib/report.js';
import { median } from './lib/stats.js';

/** `count` manifests in count/4 services (four domains each), each depending on up to three domains of earlier services (so no loop). */
function createManifests(count: number): Array<{ path: string; text: string }> {
  return Array.from({ length: count }, (_, i) => {
    const deps = [i - 4, i - 9, i - 33].filter((d) => d >= 0).map((d) => `  - ${d % 2 === 0 ? `d${d}` : `{ domain: d${d}, optional: true }`}`);
    const text = [
      `domain: d${i}`,
      `owner: svc-${Math.floor(i / 4)}`,
      'version: 1',
      `description: Domain number ${i}.`,
      ...(deps.length > 0 ? ['dependsOn:', ...deps] : []),
      'state:',
      '  type: object',
      '  additionalProperties: false',
      '  required: [items, mode]',
      '  properties:',
      '    mode: { type: string, enum: [off, on, auto] }',
      '    items:',
      '      type: array',
      "      items: { $ref: '#/$defs/Item' }",
      '  $defs:',
      '    Item:',
      '      type: object',
      '      required: [id, value]',
      '      properties:',
      '        id: { type: string, minLength: 1 }',
      '        value: { type: number, minimum: 0 }',
      '        at: { type: string, format: date-time }',
      '',
    ].join('\n');
    return { path: `bench/d${String(i).padStart(4, '0')}.domain.yaml`, text };
  });
}

/** Milliseconds one call of `run` takes. */
function timeOnce(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/**
 * `rounds` timings of `measured` and of `baseline`, interleaved (the order alternating round by
 * round, so neither side always runs right after the other), after `warmups` unrecorded calls of
 * each (JIT, module caches, the heap growing to size).
 */
export function measurePair(rounds: number, warmups: number, measured: () => void, baseline: () => void): { values: number[]; baselines: number[] } {
  for (let i = 0; i < warmups; i++) {
    measured();
    baseline();
  }
  const values: number[] = [];
  const baselines: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      values.push(timeOnce(measured));
      baselines.push(timeOnce(baseline));
    } else {
      baselines.push(timeOnce(baseline));
      values.push(timeOnce(measured));
    }
  }
  return { values, baselines };
}

/** A row of one figure without a baseline: the median of the rounds after `warmups` unrecorded calls, with min–max. */
function measureAlone(name: string, rounds: number, warmups: number, run: () => void): BenchRow {
  for (let i = 0; i < warmups; i++) run();
  const times = Array.from({ length: rounds }, () => timeOnce(run));
  const note = `median of ${rounds} rounds after ${warmups} uncounted ones`;
  return { name, value: median(times), unit: 'ms', range: [Math.min(...times), Math.max(...times)], rounds: { values: times }, note };
}

export async function benchToolchain(options: { quick: boolean }): Promise<BenchRow[]> {
  const files = createManifests(1000);
  // One validation and its floor take ~1.5–2.5 s each: 7 interleaved pairs. With a single warm-up
  // call the first pair still ran 2.5–3× slower on both sides: two are not counted.
  const validate = measurePair(
    options.quick ? 1 : 7,
    options.quick ? 1 : 2,
    () => {
      const result = buildSystem(files, { system: 'bench', folder: 'bench' });
      if (result.model === undefined) throw new Error(`bench system invalid: ${result.diagnostics[0]?.message}`);
    },
    () => {
      const ajv = createStateAjv();
      for (const file of files) {
        const state = (parse(file.text) as { state: object }).state;
        ajv.compile(state);
        ajv.removeSchema(state);
      }
    },
  );

  const n = 10_000;
  const services = Array.from({ length: n }, (_, i) => `svc-${i}`);
  const at = { file: 'bench.yaml', line: 1, column: 1 };
  // A chain with extra forward edges, closed into one loop: the worst case, every service in one component.
  const edges: WaitForEdge[] = [];
  for (let i = 0; i < n; i++) {
    edges.push({ from: services[i]!, to: services[(i + 1) % n]!, domain: `d${i}`, dependency: `d${(i + 1) % n}`, location: at });
    if (i + 10 < n) edges.push({ from: services[i]!, to: services[i + 10]!, domain: `d${i}`, dependency: `d${i + 10}`, location: at });
  }
  // ~20–30 ms a round: many rounds are cheap, and a GC pause in one then moves the median little. The
  // first calls run 2–5× slower (the JIT still optimizing): 10 of them are not counted.
  const loop = measureAlone('loop check, 10,000 services / 19,990 edges, one loop', options.quick ? 3 : 31, options.quick ? 1 : 10, () => {
    const loops = findServiceLoops(services, edges);
    if (loops.length !== 1) throw new Error('expected one loop');
  });

  return [
    compareRow({
      scenario: 'toolchain',
      name: 'validate 1,000 manifests (buildSystem)',
      unit: 'ms',
      ...spreadOf(validate.values, validate.baselines),
      baselineName: 'yaml.parse + ajv compile alone',
      better: 'lower',
      note: `median of ${validate.values.length} rounds after ${options.quick ? 1 : 2} uncounted ones, interleaved with the baseline's`,
    }),
    loop,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchToolchain({ quick: process.argv.includes('--quick') });
  console.log('| measure | value (min–max) | baseline | ratio |\n|---|---|---|---|');
  const shown = (v: number, range?: readonly [number, number]): string => `${v.toFixed(2)}${range ? ` (${range[0].toFixed(2)}–${range[1].toFixed(2)})` : ''}`;
  for (const r of rows) {
    const baseline = r.baseline ? `${r.baseline.name}: ${shown(r.baseline.value, r.baseline.range)} ${r.unit}` : '';
    console.log(`| ${r.name} | ${shown(r.value, r.range)} ${r.unit} | ${baseline} | ${r.ratio?.toFixed(2) ?? ''} |`);
  }
}
