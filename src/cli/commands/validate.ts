import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadForManifestCommand } from '../manifest-command.js';
import { renderDiagnostics, type DiagnosticFormat } from '../render-diagnostics.js';

const usage = 'usage: chinook validate [DIR] [--format text|json|github]';
const FORMATS: readonly DiagnosticFormat[] = ['text', 'json', 'github'];

const help = `${usage}

Load and check every manifest (*.yaml, *.yml) under DIR, recursively, and report every
problem at once, each with its code and file:line:col.

  DIR             manifest folder (default: \`manifests\` of chinook.config.yaml, else \`schemas\`)
  --format FMT    text (default, for people), json (for tools), github (workflow annotations)
  -h, --help      show this help

exit codes: 0 valid, 1 any error, 2 usage or I/O error`;

export const validateCommand: Command = {
  summary: 'check every manifest and report all problems (exit 1 on any error)',
  usage,
  async run(argv, ctx) {
    const parsed = await loadForManifestCommand(argv, ctx, { usage, help, formats: FORMATS, defaultFormat: 'text' });
    if (parsed === undefined) return ExitCode.ok;
    const { format, loaded } = parsed;
    const output = renderDiagnostics(loaded.diagnostics, format, loaded.sources, { color: ctx.color });
    const ok = loaded.model !== undefined;
    if (format === 'text') {
      if (ok) {
        const { domains, services } = loaded.model!;
        ctx.stdout.write(output);
        ctx.stdout.write(`${loaded.build.manifestCount === 1 ? '1 manifest' : `${loaded.build.manifestCount} manifests`} valid: ${domains.length} domain${domains.length === 1 ? '' : 's'}, ${services.length} service${services.length === 1 ? '' : 's'}, no dependency loop\n`);
      } else {
        ctx.stderr.write(output);
      }
    } else {
      ctx.stdout.write(output);
    }
    return ok ? ExitCode.ok : ExitCode.failure;
  },
};
