/**
 * Manifest texts (or an already built system) → everything `chinook generate` would
 * write, and exactly the diagnostics it would report. Pure: the CLI and build tools
 * (`chinook-ipc/toolchain`) read and write the files themselves.
 */
import { createStateSchemaCompiler, type StateSchemaCompiler } from '../manifest/compile-state-schema.js';
import { createSchemaInvalidDiagnostic, type Diagnostic } from '../manifest/diagnostics.js';
import { buildSystem, type BuildResult, type ManifestFile } from '../model/build-system.js';
import type { SystemModel } from '../model/types.js';
import { createGenerateContext, normalizeGenerateOptions, type GenerateOptions, type GenerateSettings } from './context.js';
import { SchemaCompileError } from './emit-domains.js';
import { emitHandlerScaffolds, type Scaffold } from './emit-handlers.js';
import type { GeneratedFile } from './emitter.js';

export interface GenerateSystemResult {
  /** False when any diagnostic is an error: then `files` and `scaffolds` are empty and nothing may be written. */
  readonly ok: boolean;
  /** The system, when the manifests are valid. */
  readonly model: SystemModel | undefined;
  /** What `chinook generate` reports (warnings too when `ok`). */
  readonly diagnostics: readonly Diagnostic[];
  /** The files of the output folder (paths relative to it), sorted by path. */
  readonly files: readonly GeneratedFile[];
  /** Handler files (paths relative to the current directory), to create only where absent. */
  readonly scaffolds: readonly Scaffold[];
}

/**
 * The part after loading, shared with the CLI. `compiler` must be the one `buildSystem`
 * used, so that no state schema is compiled twice.
 */
export async function generateFromBuild(
  build: BuildResult,
  settings: GenerateSettings,
  compiler: StateSchemaCompiler,
): Promise<GenerateSystemResult> {
  const failed = (diagnostics: readonly Diagnostic[]): GenerateSystemResult => ({ ok: false, model: build.model, diagnostics, files: [], scaffolds: [] });
  const model = build.model;
  if (model === undefined) return failed(build.diagnostics);
  const ctx = createGenerateContext(model, settings, compiler);
  let files: GeneratedFile[];
  try {
    // Loaded here, not at start: the emitters bring ts-morph and json-schema-to-typescript,
    // which a CLI run that only validates (or finds an error) never needs.
    const { generateOutputs } = await import('./generate.js');
    files = await generateOutputs(model, ctx);
  } catch (error) {
    if (!(error instanceof SchemaCompileError)) throw error;
    return failed([...build.diagnostics, createSchemaInvalidDiagnostic(error.domain.location, error.domain.name, error.reason)]);
  }
  return { ok: true, model, diagnostics: build.diagnostics, files, scaffolds: emitHandlerScaffolds(model, ctx) };
}

/**
 * Validates the manifests and generates the output, as `chinook generate` does.
 * Manifest paths are relative to the current directory (as diagnostics print them), and
 * `options.manifests` names their folder.
 */
export async function generateSystem(manifests: readonly ManifestFile[], options: GenerateOptions): Promise<GenerateSystemResult> {
  const settings = normalizeGenerateOptions(options);
  const compiler = createStateSchemaCompiler();
  const build = buildSystem(manifests, { system: settings.system, folder: settings.manifestDir, compiler });
  return generateFromBuild(build, settings, compiler);
}
