import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import type { HandlerSource, RunOptions, ServiceInstance, ServiceTypes, SystemSpec } from '../../runtime/contract.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { explainCommonJsScope } from '../module-type.js';
import { CompileError, compileEntries } from './compile-cache.js';

/** One entry of the generated `services` registry (generated/index.ts). */
export interface GeneratedServiceEntry {
  /**
   * Takes the handler as `loadHandler` loads it: a handler file is checked by its own compile
   * against its service's generated types, not here.
   */
  readonly create: (handler: HandlerSource<ServiceTypes>, options: RunOptions) => ServiceInstance<ServiceTypes>;
}

export interface LoadedProject {
  readonly system: SystemSpec;
  readonly services: { readonly [service: string]: GeneratedServiceEntry };
}

/** Where the project's code is, as the config names it. */
export interface ProjectPaths {
  readonly cwd: string;
  /** The generated code's folder (config `out`). */
  readonly out: string;
  /** The handlers' folder (config `handlers`); none: only the generated code is compiled. */
  readonly handlers?: string;
}

/**
 * The project compiled to JavaScript (see compile-cache.ts): file URLs a process imports
 * directly. Plain data, so a supervisor hands it to its service processes.
 */
export interface CompiledProject {
  readonly generated: string;
  /** Handler module by service name (the handler file's base name). */
  readonly handlers: { readonly [service: string]: string };
}

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** `<dir>/<base>.<ext>` files of a folder, by base, the first extension of EXTENSIONS winning. */
async function modulesIn(dir: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return new Map();
  }
  const found = new Map<string, string>();
  for (const ext of EXTENSIONS) {
    for (const name of names.filter((n) => extname(n) === ext && !n.endsWith(`.d${ext}`)).sort()) {
      const base = basename(name, ext);
      if (!found.has(base)) found.set(base, join(dir, name));
    }
  }
  return found;
}

function compileFailure(error: CompileError, paths: ProjectPaths): CliError {
  const handler = error.file !== undefined && paths.handlers !== undefined && resolve(paths.cwd, error.file).startsWith(resolve(paths.cwd, paths.handlers));
  const what = handler ? `handler ${error.file}` : 'generated code';
  return new CliError(`cannot compile the ${what}: ${error.message}`, ExitCode.failure, handler ? undefined : 'run `chinook generate`');
}

/**
 * ES modules in a CommonJS scope (`.ts`/`.js` under a package.json without `"type": "module"`)
 * would be read as CommonJS by Node and by type checkers: say what to change (module-type.ts).
 */
async function refuseCommonJsScope(file: string, what: string, cwd: string): Promise<void> {
  if (!/\.(ts|js)$/.test(file)) return;
  const commonJs = await explainCommonJsScope(dirname(file), cwd);
  if (commonJs !== undefined) throw new CliError(`cannot load ${what} ${relative(cwd, file)}: it would be read as CommonJS`, ExitCode.failure, commonJs);
}

/**
 * Compiles the generated index and every handler file once (cached by content), so that
 * neither this process nor the service processes it starts load a TypeScript compiler.
 * Every handler file is compiled, not only the ones run: one build serves every process.
 */
export async function compileProject(paths: ProjectPaths): Promise<CompiledProject> {
  const generated = (await modulesIn(resolve(paths.cwd, paths.out))).get('index');
  if (generated === undefined) {
    throw new CliError(`generated code not found: ${join(paths.out, 'index')}.ts`, ExitCode.failure, 'run `chinook generate` first');
  }
  const handlerFiles = paths.handlers === undefined ? new Map<string, string>() : await modulesIn(resolve(paths.cwd, paths.handlers));
  await refuseCommonJsScope(generated, 'generated code', paths.cwd);
  const firstHandler = [...handlerFiles.values()][0];
  if (firstHandler !== undefined) await refuseCommonJsScope(firstHandler, 'handlers', paths.cwd);
  let compiled;
  try {
    compiled = (await compileEntries({ cwd: paths.cwd, entries: [generated, ...handlerFiles.values()] })).modules;
  } catch (error) {
    if (error instanceof CompileError) throw compileFailure(error, paths);
    throw error;
  }
  const handlers: Record<string, string> = {};
  for (const [service, file] of handlerFiles) handlers[service] = compiled.get(file)!;
  return { generated: compiled.get(generated)!, handlers };
}

async function importModule(url: string, what: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`cannot load ${what}: ${(error as Error).message.split('\n')[0]}`, ExitCode.failure);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Loads the generated system (`<out>/index.ts`): its SystemSpec and service registry. */
export async function loadProject(compiled: CompiledProject, out: string): Promise<LoadedProject> {
  const module = await importModule(compiled.generated, `generated code ${join(out, 'index')}.ts`);
  const { system, services } = module;
  if (!isRecord(system) || system['protocol'] !== 'chinook/1' || !isRecord(services)) {
    throw new CliError(`${out}/index.ts does not look like chinook generated code`, ExitCode.failure, 'run `chinook generate`');
  }
  return { system: system as unknown as SystemSpec, services: services as LoadedProject['services'] };
}

/** Loads `<handlers>/<service>.ts`: its default export is the service's handler, or a `define<Service>` factory of handlers. */
export async function loadHandler(compiled: CompiledProject, handlers: string, service: string): Promise<HandlerSource<ServiceTypes>> {
  const url = compiled.handlers[service];
  if (url === undefined) {
    throw new CliError(`handler of ${service} not found: ${join(handlers, service)}.ts`, ExitCode.failure, 'run `chinook generate` to scaffold it');
  }
  const module = await importModule(url, `handler of ${service} (${join(handlers, service)})`);
  const handler = module['default'] ?? module['handler'];
  if (!isRecord(handler) && typeof handler !== 'function') {
    throw new CliError(
      `${handlers}/${service}.ts must default-export the service's handler object (or a define… factory of it)`,
      ExitCode.failure,
      `e.g. export default { async onStart(ctx) { … } } satisfies …Handler;`,
    );
  }
  return handler as HandlerSource<ServiceTypes>;
}
