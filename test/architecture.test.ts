import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The folders are the pipeline (STYLE.md 1): imports point one way only.
 * manifest → model → codegen → cli; runtime and bus stand apart and never pull in
 * build-time tooling, because generated code ships with them. `shared` holds the few leaf
 * helpers more than one of those needs (it imports only Node's built-ins, and ships with the runtime).
 */
const SRC = join(import.meta.dirname, '..', 'src');

type Layer = 'manifest' | 'model' | 'codegen' | 'cli' | 'runtime' | 'bus' | 'shared' | 'root';

const allowedLayers: Record<Layer, readonly Layer[]> = {
  manifest: ['manifest', 'shared'],
  model: ['model', 'manifest', 'shared'],
  codegen: ['codegen', 'model', 'manifest', 'runtime', 'bus', 'shared'],
  cli: ['cli', 'codegen', 'model', 'manifest', 'runtime', 'bus', 'shared', 'root'],
  runtime: ['runtime', 'bus', 'shared'],
  bus: ['bus', 'shared'],
  shared: [],
  root: ['manifest', 'model', 'codegen', 'cli', 'runtime', 'bus', 'shared', 'root'],
};

/** Packages that are build-time tooling: never in the runtime's or a bus's import graph. */
const toolchainPackages = ['yaml', 'ts-morph', 'json-schema-to-typescript', 'ajv', 'ajv-formats', 'tsx'];
/** Files of those packages that are plain runtime helpers used by compiled validators. */
const runtimeSafeSpecifiers = [/^ajv\/dist\/runtime\//, /^ajv-formats\/dist\/formats(\.js)?$/];

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listSources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(file: string): Layer {
  const first = relative(SRC, file).split(sep)[0] ?? '';
  return (['manifest', 'model', 'codegen', 'cli', 'runtime', 'bus', 'shared'] as const).find((l) => l === first) ?? 'root';
}

function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  const pattern = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of text.matchAll(pattern)) specifiers.push((match[1] ?? match[2])!);
  return specifiers;
}

const files = listSources(SRC);

describe('architecture', () => {
  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((f) => [relative(SRC, f), f] as const))('%s imports only along the pipeline', (_name, file) => {
    const layer = layerOf(file);
    const violations: string[] = [];
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) {
        const target = layerOf(join(file, '..', specifier));
        if (!allowedLayers[layer].includes(target)) violations.push(`${specifier} (${layer} → ${target})`);
      } else if (layer === 'shared') {
        if (!specifier.startsWith('node:')) violations.push(`${specifier} (a shared leaf imports no package)`);
      } else if (layer === 'runtime' || layer === 'bus') {
        const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (toolchainPackages.includes(pkg) && !runtimeSafeSpecifiers.some((r) => r.test(specifier))) {
          violations.push(`${specifier} (toolchain package in ${layer})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('defines the manifest format once: schemas/manifest.schema.json, read through manifest/manifest-schema.ts', () => {
    // A hand checker beside the schema used to repeat the format; now no source writes the name pattern again,
    // and the manifest is checked by validating with the schema (manifest-errors.ts only words ajv's errors).
    const pattern = '[a-z][a-z0-9]*(-[a-z0-9]+)*';
    expect(files.filter((f) => readFileSync(f, 'utf8').includes(pattern)).map((f) => relative(SRC, f))).toEqual([]);
    expect(readFileSync(join(SRC, 'manifest', 'manifest-schema.ts'), 'utf8')).toContain("'../../schemas/manifest.schema.json'");
    expect(importsOf(readFileSync(join(SRC, 'manifest', 'check-manifest.ts'), 'utf8'))).toContain('./manifest-errors.js');
  });

  it('keeps the shared emulation parts adapter-neutral: the NATS adapter reuses them, never copies', () => {
    // will-emulation.ts (when to refresh, sweep, fire), retained-reads.ts (batching, read gate), phase.ts:
    // they know no adapter and no client library; each adapter brings its own store.
    const neutral = ['will-emulation.ts', 'retained-reads.ts', 'phase.ts'].map((f) => join(SRC, 'bus', f));
    for (const file of neutral) {
      const imports = importsOf(readFileSync(file, 'utf8')).filter((s) => !['./bus.js', './phase.js'].includes(s));
      expect(imports, relative(SRC, file)).toEqual([]);
    }
    for (const adapter of ['redis.ts', 'nats.ts']) {
      const imports = importsOf(readFileSync(join(SRC, 'bus', adapter), 'utf8'));
      expect(imports, adapter).toEqual(expect.arrayContaining(['./will-emulation.js', './retained-reads.js']));
    }
  });

  it('the MQTT adapter is in parts: URL, sockets, connection; the parts know nothing of the connection', () => {
    for (const part of ['mqtt-url.ts', 'mqtt-socket.ts']) {
      const file = join(SRC, 'bus', part);
      expect(files, `src/bus/${part}`).toContain(file);
      expect(importsOf(readFileSync(file, 'utf8')).filter((s) => s === './mqtt.js' || s === 'mqtt'), part).toEqual([]);
    }
    expect(importsOf(readFileSync(join(SRC, 'bus', 'mqtt.ts'), 'utf8'))).toEqual(expect.arrayContaining(['./mqtt-url.js', './mqtt-socket.js']));
  });

  it('pins the parts split out of the big functions (issue 11): each in its layer, none importing what it was split from', () => {
    const parts: Record<string, readonly string[]> = {
      // the NATS adapter's parts: acknowledgements and remembered names; nats.ts wires them
      'bus/nats-acks.ts': ['./nats.js'],
      'bus/nats-names.ts': ['./nats.js'],
      // the memory bus's delayed delivery
      'bus/deferred-delivery.ts': ['./memory.js'],
      // one topic layout, one CommonJS unwrap, for every layer
      'shared/topics.ts': [],
      'shared/default-export.ts': [],
      // the model's one comparison, the manifest's one schema
      'model/compare.ts': [],
      'manifest/manifest-schema.ts': [],
      // the CLI's command preamble, paths and styles, and run's parts
      'cli/parse-args.ts': ['./commands/run.js'],
      'cli/paths.ts': [],
      'cli/style.ts': [],
      'cli/run/process-tracker.ts': ['./run-console.js', '../commands/run.js'],
    };
    for (const [part, wiring] of Object.entries(parts)) {
      const file = join(SRC, part);
      expect(files, `src/${part}`).toContain(file);
      expect(importsOf(readFileSync(file, 'utf8')).filter((s) => wiring.includes(s)), part).toEqual([]);
    }
    expect(files.filter((f) => layerOf(f) === 'shared').flatMap((f) => importsOf(readFileSync(f, 'utf8')).filter((s) => !s.startsWith('node:')))).toEqual([]);
  });

  it('loads bus client libraries only when a bus of that kind connects', () => {
    // Importing chinook-ipc/runtime must not pay for every adapter (mqtt, ioredis, aedes cost ~400 ms together; the NATS client more).
    const heavy = /^\s*import\s+(?!type\b)[^;]*from\s*['"](mqtt|ioredis|aedes|@nats-io\/[^'"]+)['"]/m;
    const eager = files.filter((f) => ['runtime', 'bus'].includes(layerOf(f)) && heavy.test(readFileSync(f, 'utf8')));
    expect(eager.map((f) => relative(SRC, f))).toEqual([]);
  });

  it('the service is wired from parts with one job each; no part imports the wiring', () => {
    // STYLE.md 21: service.ts wires, service-runner.ts runs the life; the parts know neither.
    const parts = ['echo-queue', 'report-limiter', 'delivery', 'dependency-tracker', 'lifecycle', 'presence', 'publisher', 'receiver', 'rejecter', 'state-intake', 'status-intake', 'store', 'envelope'];
    const wiring = ['./service.js', './service-runner.js'];
    for (const part of parts) {
      const file = join(SRC, 'runtime', `${part}.ts`);
      expect(files, `src/runtime/${part}.ts`).toContain(file);
      expect(importsOf(readFileSync(file, 'utf8')).filter((s) => wiring.includes(s)), part).toEqual([]);
    }
  });
});
