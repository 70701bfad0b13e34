/**
 * A service process of `chinook run` (src/cli/run/service-child.ts) must stay light: what it
 * imports, followed through every static import, is the bus, the runtime and a few CLI files,
 * never argument parsing, config/YAML, the console, a command, or any build-time tooling.
 * (Each service process paying for those was most of its start-up time and memory.)
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const ENTRY = join(SRC, 'cli', 'run', 'service-child.ts');

/** Static, value-level imports (`import type` and dynamic `import()` are left out: they load nothing up front). */
function staticImports(text: string): string[] {
  const pattern = /(?:^|\n)\s*(?:import|export)\s+(?!type\b)[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
  return [...text.matchAll(pattern)].map((m) => (m[1] ?? m[2])!);
}

/** Every source file and package the entry loads at start, following relative imports. */
function closure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of staticImports(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else if (!specifier.startsWith('node:')) packages.add(specifier);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(SRC, f)).sort(), packages: [...packages].sort() };
}

describe('a service process', () => {
  const { files, packages } = closure(ENTRY);

  it('loads no build-time tooling, broker or compiler', () => {
    const tooling = packages.filter((p) => /^(yaml|ts-morph|json-schema-to-typescript|esbuild|tsx|aedes)(\/|$)/.test(p) || /^ajv(-formats)?$/.test(p) || p === 'ajv/dist/2020.js');
    expect(tooling).toEqual([]);
  });

  it('loads the bus, the runtime and the run files, none of the CLI front (main, commands, config, console)', () => {
    expect(files.filter((f) => /^(manifest|model|codegen)\//.test(f) || /^cli\/(main|config|parse-args|commands\/|run\/(run-console|render-console|observe-system|supervise))/.test(f))).toEqual([]);
    expect(files).toContain('bus/create-bus.ts');
    expect(files).toContain('cli/run/run-services.ts');
  });
});
