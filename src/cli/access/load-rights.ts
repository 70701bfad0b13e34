/** The access rights of the system in the current directory: manifests → model → rights (src/model/access.ts). */
import { buildAccessRights, reservedIdentityClash, type AccessRights } from '../../model/access.js';
import { defaultPrefix } from '../../runtime/envelope.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../command.js';
import { loadConfig, type ChinookConfig } from '../config.js';
import { ExitCode } from '../exit-codes.js';
import { loadSystemFromDir } from '../load-system.js';
import { renderDiagnostics } from '../render-diagnostics.js';

/** Undefined when the manifests are invalid (their diagnostics are printed on stderr). */
export async function loadAccessRights(ctx: CliContext, dir?: string): Promise<{ rights: AccessRights; config: ChinookConfig } | undefined> {
  const config = await loadConfig(ctx.cwd);
  const loaded = await loadSystemFromDir(dir ?? config.manifests, { cwd: ctx.cwd, system: config.system });
  if (loaded.diagnostics.length > 0) ctx.stderr.write(renderDiagnostics(loaded.diagnostics, 'text', loaded.sources, { color: ctx.color }));
  const model = loaded.model;
  if (model === undefined) return undefined;
  const clash = reservedIdentityClash(model.services.map((s) => s.name));
  if (clash !== undefined) throw new CliError(`service \`${clash}\` is named like a reserved identity (observer, default, liveness): rename it`, ExitCode.failure);
  const rights = buildAccessRights({
    prefix: config.prefix ?? defaultPrefix(config.system),
    domains: model.domains.map((d) => ({ name: d.name, owner: d.owner })),
    services: model.services.map((s) => s.name),
  });
  return { rights, config };
}
