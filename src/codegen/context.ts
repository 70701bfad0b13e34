/**
 * The one generate context: options normalised once and passed to every emitter.
 */
import { createStateSchemaCompiler, type StateSchemaCompiler } from '../manifest/compile-state-schema.js';
import type { SystemModel } from '../model/types.js';
import { createNaming, type Naming } from './names.js';

/** Bumped whenever the generator's output changes for the same input (part of the inputs hash). */
export const GENERATOR_REVISION = 2;

export interface GenerateOptions {
  /** The system's name (`chinook.config.yaml` `system`). */
  readonly system: string;
  /** Topic prefix; default `chinook/<system>`. */
  readonly prefix?: string;
  /** Output folder, relative to the current directory. Default `generated`. */
  readonly out?: string;
  /** Manifest folder, relative to the current directory. Default `schemas`. */
  readonly manifests?: string;
  /** Handlers folder, relative to the current directory. Default `handlers`. */
  readonly handlers?: string;
  /** How generated code imports the runtime. Default `chinook-ipc/runtime`. */
  readonly runtimeImport?: string;
  /** The handler template's text (templates/handler.ts.tmpl); read by the CLI. */
  readonly handlerTemplate?: string;
  /** The package version, part of the inputs hash. */
  readonly generatorVersion?: string;
}

/** The options, normalised: everything but what needs the model. */
export interface GenerateSettings {
  readonly system: string;
  readonly prefix: string;
  /** `/`-separated, relative to the current directory, no trailing slash. */
  readonly outDir: string;
  readonly manifestDir: string;
  readonly handlersDir: string;
  readonly runtimeImport: string;
  readonly handlerTemplate: string;
  readonly generatorVersion: string;
}

export interface GenerateContext extends GenerateSettings {
  readonly naming: Naming;
  /** Compiles the state schemas; the one `buildSystem` used, so each schema compiles once. */
  readonly compiler: StateSchemaCompiler;
}

export const DEFAULT_HANDLER_TEMPLATE = [
  '// Your handler for `{{service}}`: generated once by `chinook generate`, then yours to edit.',
  "import { {{define}} } from '{{stubImport}}';",
  '',
  'export default {{define}}(() => ({',
  '  async onStart(ctx) {',
  '    void ctx;',
  '  },',
  '}));',
  '',
].join('\n');

/** Paths as the generated files print them: `/`-separated, no `./`, no trailing slash. */
export function normalizeRelativePath(path: string): string {
  const parts = path.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
  return parts.length === 0 ? '.' : parts.join('/');
}

export function normalizeGenerateOptions(options: GenerateOptions): GenerateSettings {
  return {
    system: options.system,
    prefix: options.prefix ?? `chinook/${options.system}`,
    outDir: normalizeRelativePath(options.out ?? 'generated'),
    manifestDir: normalizeRelativePath(options.manifests ?? 'schemas'),
    handlersDir: normalizeRelativePath(options.handlers ?? 'handlers'),
    runtimeImport: options.runtimeImport ?? 'chinook-ipc/runtime',
    handlerTemplate: options.handlerTemplate ?? DEFAULT_HANDLER_TEMPLATE,
    generatorVersion: options.generatorVersion ?? '0.0.0',
  };
}

/** Pass the `compiler` given to `buildSystem` to reuse its compiled validators (a fresh one compiles them again). */
export function createGenerateContext(model: SystemModel, options: GenerateOptions | GenerateSettings, compiler: StateSchemaCompiler = createStateSchemaCompiler()): GenerateContext {
  const settings = 'outDir' in options ? options : normalizeGenerateOptions(options);
  return { ...settings, naming: createNaming(model), compiler };
}
