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

export interface ToolchainRow {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  ratio?: number;
}

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function measure(rounds: number, run: () => void): number {
  run(); // warm-up: JIT and module caches
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

export async function benchToolchain(options: { quick: boolean }): Promise<ToolchainRow[]> {
  const rounds = options.quick ? 1 : 5;
  const files = createManifests(1000);

  const validateMs = measure(rounds, () => {
    const result = buildSystem(files, { system: 'bench', folder: 'bench' });
    if (result.model === undefined) throw new Error(`bench system invalid: ${result.diagnostics[0]?.message}`);
  });
  const floorMs = measure(rounds, () => {
    const ajv = createStateAjv();
    for (const file of files) {
      const state = (parse(file.text) as { state: object }).state;
      ajv.compile(state);
      ajv.removeSchema(state);
    }
  });

  const n = 10_000;
  const services = Array.from({ length: n }, (_, i) => `svc-${i}`);
  const at = { file: 'bench.yaml', line: 1, column: 1 };
  // A chain with extra forward edges, closed into one loop: the worst case, every service in one component.
  const edges: WaitForEdge[] = [];
  for (let i = 0; i < n; i++) {
    edges.push({ from: services[i]!, to: services[(i + 1) % n]!, domain: `d${i}`, dependency: `d${(i + 1) % n}`, location: at });
    if (i + 10 < n) edges.push({ from: services[i]!, to: services[i + 10]!, domain: `d${i}`, dependency: `d${i + 10}`, location: at });
  }
  const loopMs = measure(options.quick ? 3 : 11, () => {
    const loops = findServiceLoops(services, edges);
    if (loops.length !== 1) throw new Error('expected one loop');
  });

  return [
    { name: 'validate 1,000 manifests (buildSystem)', value: round(validateMs), unit: 'ms', baseline: { name: 'yaml.parse + ajv compile alone', value: round(floorMs) }, ratio: round(validateMs / floorMs) },
    { name: 'loop check, 10,000 services / 19,990 edges, one loop', value: round(loopMs), unit: 'ms' },
  ];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchToolchain({ quick: process.argv.includes('--quick') });
  console.log('| measure | value | baseline | ratio |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.value} ${r.unit} | ${r.baseline ? `${r.baseline.name}: ${r.baseline.value} ${r.unit}` : ''} | ${r.ratio ?? ''} |`);
}
