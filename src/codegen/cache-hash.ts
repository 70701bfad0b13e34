/**
 * The hashes of `chinook generate`'s no-change cache. Apart from the emitters (which load
 * ts-morph and json-schema-to-typescript) so that the CLI starts without them.
 */
import { createHash } from 'node:crypto';
import { GENERATOR_REVISION, type GenerateSettings } from './context.js';
import type { GeneratedFile } from './emitter.js';

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function sha256(parts: readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(part);
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 24);
}

/**
 * The key of `chinook generate`'s no-change cache (kept outside OUT, under
 * node_modules/.cache/chinook): the generator, the options that reach OUT, and every
 * manifest's path and bytes (in sorted path order, so the order files were found in does
 * not matter). Never written into OUT: generated files depend on the model alone.
 */
export function computeInputsHash(ctx: GenerateSettings, manifests: readonly { path: string; text: string | Uint8Array }[]): string {
  const options = JSON.stringify({
    revision: GENERATOR_REVISION,
    version: ctx.generatorVersion,
    system: ctx.system,
    prefix: ctx.prefix,
    out: ctx.outDir,
    manifests: ctx.manifestDir,
    runtime: ctx.runtimeImport,
    // Not the handlers folder nor the template: they shape scaffolds, never a file of OUT.
  });
  const sorted = [...manifests].sort(byPath);
  return sha256([options, ...sorted.flatMap((m) => [m.path, m.text])]);
}

/** The hash of a set of output files, whatever their order. */
export function computeOutputsHash(files: readonly GeneratedFile[]): string {
  const sorted = [...files].sort(byPath);
  return sha256(sorted.flatMap((f) => [f.path, f.content]));
}

