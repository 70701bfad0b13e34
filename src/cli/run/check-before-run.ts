/**
 * `chinook run` refuses stale or invalid generated code (CLI.md): before starting anything
 * it runs what `chinook generate --check` runs, and on any problem prints the diagnostics
 * and the stale files, then stops with exit 1 and "run `chinook generate`".
 */
import { CliError } from '../cli-error.js';
import type { CliContext } from '../command.js';
import type { ChinookConfig } from '../config.js';
import { ExitCode } from '../exit-codes.js';
import { checkGenerated, describeStale } from '../commands/generate.js';
import { renderDiagnostics } from '../render-diagnostics.js';

export async function refuseStaleGeneratedCode(ctx: CliContext, config: ChinookConfig): Promise<void> {
  const check = await checkGenerated(ctx.cwd, config);
  if (check.ok) return;
  const hint = 'run `chinook generate` (or pass --no-check to run the generated code as it is)';
  if (check.stale.length === 0) {
    ctx.stderr.write(renderDiagnostics(check.diagnostics, 'text', check.sources, { color: ctx.color }));
    throw new CliError('the manifests are invalid: fix them, then run `chinook generate`', ExitCode.failure, hint);
  }
  throw new CliError(`the generated code in ${config.out}/ is not what the manifests generate now:\n${describeStale(check.stale)}`, ExitCode.failure, hint);
}
