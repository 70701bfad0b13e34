import { access } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunOptions, ServiceHandler, ServiceInstance, ServiceTypes, SystemSpec } from '../../runtime/contract.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { explainCommonJsScope } from '../module-type.js';

/** One entry of the generated `services` registry (generated/index.ts). */
export interface GeneratedServiceEntry {
  readonly create: (handler: never, options: RunOptions) => ServiceInstance<ServiceTypes>;
}

export interface LoadedProject {
  readonly system: SystemSpec;
  readonly services: { readonly [service: string]: GeneratedServiceEntry };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Imports a user module: TypeScript through tsx (no build step for the user),
 * JavaScript as it is. Prefers `<base>.ts`, then `<base>.js`.
 */
async function importUserModule(base: string, cwd: string, what: string): Promise<Record<string, unknown>> {
  for (const ext of ['.ts', '.mts', '.js', '.mjs']) {
    const file = resolve(cwd, base + ext);
    if (!(await exists(file))) continue;
    // A `.ts` file in a CommonJS scope fails deep inside tsx (`ENOENT …?namespace=…`): say what to change instead.
    const commonJs = ext === '.ts' || ext === '.js' ? await explainCommonJsScope(dirname(file), cwd) : undefined;
    if (commonJs !== undefined) throw new CliError(`cannot load ${what} ${relative(cwd, file)}: it would be read as CommonJS`, ExitCode.failure, commonJs);
    try {
      if (ext.endsWith('ts')) {
        const { tsImport } = await import('tsx/esm/api');
        return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
      }
      return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      const shown = relative(cwd, file);
      throw new CliError(`cannot load ${what} ${shown}: ${(error as Error).message.split('\n')[0]}`, ExitCode.failure);
    }
  }
  throw new CliError(
    `${what} not found: ${relative(cwd, resolve(cwd, base))}.ts`,
    ExitCode.failure,
    what === 'generated code' ? 'run `chinook generate` first' : 'run `chinook generate` to scaffold it',
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Loads the generated system (`<out>/index.ts`): its SystemSpec and service registry. */
export async function loadProject(out: string, cwd: string): Promise<LoadedProject> {
  const module = await importUserModule(join(out, 'index'), cwd, 'generated code');
  const { system, services } = module;
  if (!isRecord(system) || system['protocol'] !== 'chinook/1' || !isRecord(services)) {
    throw new CliError(`${out}/index.ts does not look like chinook generated code`, ExitCode.failure, 'run `chinook generate`');
  }
  return { system: system as unknown as SystemSpec, services: services as LoadedProject['services'] };
}

/** Loads `<handlers>/<service>.ts`: its default export is the service's handler. */
export async function loadHandler(handlers: string, service: string, cwd: string): Promise<ServiceHandler<ServiceTypes>> {
  const module = await importUserModule(join(handlers, service), cwd, `handler of ${service}`);
  const handler = module['default'] ?? module['handler'];
  if (!isRecord(handler)) {
    throw new CliError(
      `${handlers}/${service}.ts must default-export the service's handler object`,
      ExitCode.failure,
      `e.g. export default { async onStart(ctx) { … } } satisfies …Handler;`,
    );
  }
  return handler as ServiceHandler<ServiceTypes>;
}
