/**
 * The generate pipeline, pure: model + context in, every output file out.
 * The CLI does the reading, writing and removing (src/cli/commands/generate.ts).
 */
import type { SystemModel } from '../model/types.js';
import type { GenerateContext } from './context.js';
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
