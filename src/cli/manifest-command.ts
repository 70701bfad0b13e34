import type { CliContext } from './command.js';
import { loadConfig } from './config.js';
import { loadSystemFromDir, type LoadedSystem } from './load-system.js';
import { oneOf, optionalFolder, parseCommand } from './parse-args.js';

export interface ManifestCommandSpec<F extends string> {
  readonly usage: string;
  readonly help: string;
  readonly formats: readonly F[];
  readonly defaultFormat: F;
}

/**
 * The common start of `validate` and `graph`: `[DIR] [--format F]`, help, the manifest folder
 * from chinook.config.yaml, and the loaded system. Undefined when help was printed.
 */
export async function loadForManifestCommand<F extends string>(
  argv: readonly string[],
  ctx: CliContext,
  spec: ManifestCommandSpec<F>,
): Promise<{ readonly format: F; readonly loaded: LoadedSystem } | undefined> {
  const parsed = parseCommand(argv, ctx, { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, spec.usage, spec.help);
  if (parsed === undefined) return undefined;
  const { values, positionals } = parsed;
  const format = oneOf('format', values.format, spec.formats, spec.defaultFormat, spec.usage);
  const folder = optionalFolder(positionals, spec.usage);
  const config = await loadConfig(ctx.cwd);
  const loaded = await loadSystemFromDir(folder ?? config.manifests, { cwd: ctx.cwd, system: config.system });
  return { format, loaded };
}
