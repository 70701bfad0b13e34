/**
 * `chinook-ipc/toolchain`: the build-time API for build tools (bundler plugins, editors, custom
 * scripts). Pure: manifest texts in, model / diagnostics / file contents out; reading and
 * writing files, rendering diagnostics and exit codes are the caller's (the CLI's) business.
 *
 *   const result = await generateSystem(manifests, { system: 'home' });
 *   if (!result.ok) for (const d of result.diagnostics) console.error(`${d.file}:${d.line}:${d.column} ${d.message}`);
 *   else for (const f of result.files) await writeFile(join('generated', f.path), f.content);
 */

// Manifests → model, with every diagnostic.
export { buildSystem } from './model/build-system.js';
export type { BuildOptions, BuildResult, ManifestFile } from './model/build-system.js';
export { DIAGNOSTIC_CODES } from './manifest/diagnostics.js';
export type { Diagnostic, DiagnosticCode, DependencyLoop, Severity, Span } from './manifest/diagnostics.js';
export { createStateSchemaCompiler } from './manifest/compile-state-schema.js';
export type { CompiledStateSchema, StateSchemaCompiler } from './manifest/compile-state-schema.js';

// The model and its graph.
export type { DependencyModel, DomainModel, JsonSchema, ServiceModel, SourceLocation, SystemModel, WaitForEdge } from './model/types.js';
export { findDependencyLoops, findServiceLoops } from './model/wait-for-graph.js';
export type { ServiceLoop } from './model/wait-for-graph.js';
export { createDependencyGraph } from './model/dependency-graph.js';
export type { DependencyGraph, GraphEdge, GraphService } from './model/dependency-graph.js';
export { graphRenderers, renderDot, renderGraphJson, renderMermaid } from './model/render-graph.js';
export type { GraphFormat } from './model/render-graph.js';

// Code generation.
export { generateFromBuild, generateSystem } from './codegen/generate-system.js';
export type { GenerateSystemResult } from './codegen/generate-system.js';
export { createGenerateContext, normalizeGenerateOptions } from './codegen/context.js';
export type { GenerateContext, GenerateOptions, GenerateSettings } from './codegen/context.js';
export { generateOutputs } from './codegen/generate.js';
export { computeInputsHash } from './codegen/cache-hash.js';
export { emitHandlerScaffolds } from './codegen/emit-handlers.js';
export type { Scaffold } from './codegen/emit-handlers.js';
export type { GeneratedFile } from './codegen/emitter.js';
export { findUnsupportedSchema } from './manifest/check-schema-support.js';
