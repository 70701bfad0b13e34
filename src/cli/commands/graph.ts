import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadForManifestCommand } from '../manifest-command.js';
import { renderDiagnostics } from '../render-diagnostics.js';
import { graphRenderers, type GraphFormat } from '../../model/render-graph.js';

const usage = 'usage: chinook graph [DIR] [--format mermaid|dot|json]';
const FORMATS: readonly GraphFormat[] = ['mermaid', 'dot', 'json'];

const help = `${usage}

Print the system's dependency graph: services with the domains they own, and an edge from
each service to every service whose domains it depends on (dashed when optional).
Loops are drawn in red. When the manifests have errors they are printed on stderr and the
exit code is 1; if the only errors are dependency loops the graph is still printed.

  DIR             manifest folder (default: \`manifests\` of chinook.config.yaml, else \`schemas\`)
  --format FMT    mermaid (default), dot (Graphviz) or json
  -h, --help      show this help`;

export const graphCommand: Command = {
  summary: 'print the services\' dependency graph (mermaid, dot or json), loops in red',
  usage,
  async run(argv, ctx) {
    const parsed = await loadForManifestCommand(argv, ctx, { usage, help, formats: FORMATS, defaultFormat: 'mermaid' });
    if (parsed === undefined) return ExitCode.ok;
    const { format, loaded } = parsed;
    const onlyLoops = loaded.diagnostics.every((d) => d.severity !== 'error' || d.code === 'dependency-cycle');
    // A system whose only fault is a loop is still drawn: the picture is how one finds the loop.
    if (onlyLoops) ctx.stdout.write(graphRenderers[format](loaded.build.graph));
    if (loaded.diagnostics.length > 0) ctx.stderr.write(renderDiagnostics(loaded.diagnostics, 'text', loaded.sources, { color: ctx.color }));
    return loaded.model === undefined ? ExitCode.failure : ExitCode.ok;
  },
};
