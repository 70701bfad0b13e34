/**
 * The generate pipeline, pure: model + context in, every output file out.
 * The CLI does the reading, writing and removing (src/cli/commands/generate.ts).
 */
import { createHash } from 'node:crypto';
import type { SystemModel } from '../model/types.js';
import { GENERATOR_REVISION, type GenerateContext, type GenerateSettings } from './context.js';
import { emitDomains } from './emit-domains.js';
import { emitGraph } from './emit-graph.js';
import { emitIndex } from './emit-index.js';
import { emitServices } from './emit-services.js';
import { emitSystem } from './emit-system.js';
import { emitTopics } from './emit-topics.js';
import type { Emitter, GeneratedFile } from './emitter.js';

export type EmitterName = 'domains' | 'system' | 'topics' | 'services' | 'graph' | 'index';

/** Every emitter of OUT: a new one fails to compile until listed. */
export const emitters: Record<EmitterName, Emitter> = {
  domains: emitDomains,
  system: emitSystem,
  topics: emitTopics,
  services: emitServices,
  graph: emitGraph,
  index: (model, ctx) => [emitIndex(model, ctx)],
};

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

/** Every file of OUT, sorted by path. */
export async function generateOutputs(model: SystemModel, ctx: GenerateContext): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (const name of Object.keys(emitters).sort() as EmitterName[]) files.push(...(await emitters[name](model, ctx)));
  files.sort(byPath);
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`internal: two emitters write ${f.path}`);
    seen.add(f.path);
  }
  return files;
}
