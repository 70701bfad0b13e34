/** `graph.md`: the services' wait-for graph as a Mermaid picture (the same one `chinook graph` draws). */
import { createDependencyGraph } from '../model/dependency-graph.js';
import { renderMermaid } from '../model/render-graph.js';
import type { SystemModel } from '../model/types.js';
import type { GenerateContext } from './context.js';
import type { GeneratedFile } from './emitter.js';
import { markdownHeader } from './header.js';

export function emitGraph(model: SystemModel, ctx: GenerateContext): GeneratedFile[] {
  const content = [
    markdownHeader([`${ctx.manifestDir}/`]),
    '',
    `# System \`${ctx.system}\`: who waits for whom`,
    '',
    'Each box is a service with the domains it publishes. An arrow points from a service to one',
    'whose domains it needs (the label); a dashed arrow is an optional dependency, received but',
    'never waited for.',
    '',
    '```mermaid',
    renderMermaid(createDependencyGraph(model)).trimEnd(),
    '```',
    '',
  ].join('\n');
  return [{ path: 'graph.md', content }];
}
