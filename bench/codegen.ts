/**
 * Codegen figures: a cold `chinook generate` of 200 domains against the floor of calling
 * json-schema-to-typescript and ajv standalone alone on the same schemas with the same
 * options (what any generator of types + compiled validators must do), and a no-change
 * rerun against the cold run.
 *
 *   node --import tsx bench/codegen.ts [--quick]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import { compile as compileTypes, type JSONSchema } from 'json-schema-to-typescript';
import { parse } from 'yaml';
import { createGenerateContext } from '../src/codegen/context.js';
import { JSTT_OPTIONS } from '../src/codegen/emit-domains.js';
import { STATE_CHECK_OPTIONS, STATE_COMPILE_OPTIONS } from '../src/manifest/compile-state-schema.js';
import { defaultExportOf } from '../src/shared/default-export.js';
import { generateOutputs } from '../src/codegen/generate.js';
import { generateCommand } from '../src/cli/commands/generate.js';
import { buildSystem } from '../src/model/build-system.js';
import { compareRow, spreadOf, type BenchRow } from './lib/report.js';

const addFormats = defaultExportOf<typeof addFormatsModule.default>(addFormatsModule);
const standaloneCode = defaultExportOf<typeof standaloneCodeModule.default>(standaloneCodeModule);

/** `count` domains in count/2 services; each depends on earlier services' domains only (no loop). */
export function createManifests(count: number): { path: string; text: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const deps = [i - 2, i - 7].filter((d) => d >= 0 && Math.floor(d / 2) !== Math.floor(i / 2));
    const text = [
      `domain: d${i}`,
      `owner: svc-${Math.floor(i / 2)}`,
      'version: 1',
      `description: Domain number ${i}.`,
      ...(deps.length > 0 ? ['dependsOn:', ...deps.map((d, k) => (k === 0 ? `  - d${d}` : `  - { domain: d${d}, optional: true }`))] : []),
      'state:',
      '  type: object',
      '  additionalProperties: false',
      '  required: [items, mode, updated]',
      '  properties:',
      '    items: { type: array, items: { $ref: "#/$defs/Item" } }',
      '    mode: { enum: [off, eco, comfort] }',
      '    updated: { type: string, format: date-time }',
      '    note: { type: [string, "null"], maxLength: 200 }',
      '    counters: { type: object, patternProperties: { "^c_": { type: integer, minimum: 0 } }, additionalProperties: false }',
      '  $defs:',
      '    Item:',
      '      type: object',
      '      additionalProperties: false',
      '      required: [id, level]',
      '      properties:',
      '        id: { type: string, minLength: 1 }',
      '        level: { type: integer, minimum: 0, maximum: 100 }',
      '        price: { oneOf: [{ type: number }, { type: "null" }] }',
      '',
    ].join('\n');
    return { path: `schemas/d${String(i).padStart(4, '0')}.domain.yaml`, text };
  });
}

/** The floor: json-schema-to-typescript + ajv standalone per schema (the fast check and the explaining one), nothing else. */
async function runFloor(schemas: readonly Record<string, unknown>[]): Promise<void> {
  for (const [i, schema] of schemas.entries()) {
    await compileTypes(structuredClone(schema) as JSONSchema, `D${i}`, JSTT_OPTIONS);
    for (const options of [STATE_CHECK_OPTIONS, STATE_COMPILE_OPTIONS]) {
      const ajv = new Ajv2020(options);
      addFormats(ajv);
      standaloneCode(ajv, ajv.compile(schema));
    }
  }
}

const sink = new Writable({ write: (_c, _e, done) => done() });

type CliContextLike = Parameters<typeof generateCommand.run>[1];

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export async function benchCodegen(options: { quick: boolean }): Promise<BenchRow[]> {
  const count = 200;
  const rounds = options.quick ? 2 : 5;
  const manifests = createManifests(count);
  const schemas = manifests.map((m) => (parse(m.text) as { state: Record<string, unknown> }).state);
  const { model } = buildSystem(manifests, { system: 'bench', folder: 'schemas' });
  if (!model) throw new Error('bench manifests are invalid');
  const settings = { system: 'bench' };

  // The same project on the OS temp folder and, where there is one, on tmpfs: creating
  // ~600 files costs ~0.5 ms of kernel time each on some virtual disks, and ~0.02 ms on tmpfs.
  const createProject = (base: string): { dir: string; cli: CliContextLike } => {
    const dir = mkdtempSync(join(base, 'chinook-bench-codegen-'));
    mkdirSync(join(dir, 'schemas'));
    for (const m of manifests) writeFileSync(join(dir, m.path), m.text);
    writeFileSync(join(dir, 'chinook.config.yaml'), 'system: bench\n');
    // A project has a package.json: generate keeps its no-change cache in its node_modules/.cache.
    writeFileSync(join(dir, 'package.json'), '{"name": "bench", "private": true}\n');
    return { dir, cli: { cwd: dir, env: process.env, stdout: sink, stderr: sink, color: false, debug: false } };
  };
  const disk = createProject(tmpdir());
  const ram = existsSync('/dev/shm') && tmpdir() !== '/dev/shm' ? createProject('/dev/shm') : undefined;
  const runCold = async (project: { dir: string; cli: CliContextLike }): Promise<number> => {
    rmSync(join(project.dir, 'generated'), { recursive: true, force: true });
    rmSync(join(project.dir, 'handlers'), { recursive: true, force: true });
    return time(() => generateCommand.run([], project.cli));
  };

  // Warm-up: module loading and JIT are not what is measured.
  await runFloor(schemas.slice(0, 5));
  await generateOutputs(model, createGenerateContext(model, settings));

  const floor: number[] = [];
  const pipeline: number[] = [];
  const cold: number[] = [];
  const rerun: number[] = [];
  const coldRam: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      floor.push(await time(() => runFloor(schemas)));
      pipeline.push(
        await time(async () => {
          const ctx = createGenerateContext(model, settings);
          await generateOutputs(model, ctx);
        }),
      );
      cold.push(await runCold(disk));
      rerun.push(await time(() => generateCommand.run([], disk.cli)));
      if (ram) coldRam.push(await runCold(ram));
    }
  } finally {
    rmSync(disk.dir, { recursive: true, force: true });
    if (ram) rmSync(ram.dir, { recursive: true, force: true });
  }
  const floorName = `json-schema-to-typescript + ajv standalone alone, ${count} schemas`;
  const row = (name: string, values: number[], baselineName: string, baselines: number[]): BenchRow =>
    compareRow({
      scenario: 'codegen',
      name,
      unit: 'ms',
      ...spreadOf(values, baselines),
      baselineName,
      better: 'lower',
      note: `median of ${values.length} rounds, interleaved with the baseline's`,
    });
  return [
    row(`generate ${count} domains from the model (types, validators, stubs, topics, index)`, pipeline, floorName, floor),
    row(`chinook generate ${count} domains, cold (load + validate + generate + write)`, cold, floorName, floor),
    ...(ram ? [row(`chinook generate ${count} domains, cold, project on tmpfs (file creation nearly free)`, coldRam, floorName, floor)] : []),
    row(`chinook generate ${count} domains, no-change rerun`, rerun, 'the cold run', cold),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchCodegen({ quick: process.argv.includes('--quick') });
  for (const row of rows) {
    const range = row.range ? ` (${row.range[0].toFixed(0)}–${row.range[1].toFixed(0)})` : '';
    const ratio = row.ratio === undefined ? '' : `  ratio ${row.ratio.toFixed(2)} vs ${row.baseline!.name} (${row.baseline!.value.toFixed(0)} ms)`;
    console.log(`${row.name}: ${row.value.toFixed(0)}${range} ${row.unit}${ratio}`);
  }
}
