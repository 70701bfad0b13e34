/**
 * Per domain: `domains/<domain>.ts` (the state's types from json-schema-to-typescript, a
 * typed guard, an explainer and the `DomainSpec`) and `domains/<domain>.validate.ts` (ajv
 * standalone code compiled now, so nothing compiles a schema at run time).
 */
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import { compile as compileTypes } from 'json-schema-to-typescript';
import { STATE_COMPILE_OPTIONS, type StateSchemaCompiler } from '../manifest/compile-state-schema.js';
import type { DomainModel, SystemModel } from '../model/types.js';
import type { GenerateContext } from './context.js';
import type { GeneratedFile } from './emitter.js';
import { docComment, indentTypeScript, quote } from './format.js';
import { tsHeader } from './header.js';
import { mapSchema } from '../manifest/schema-walk.js';

/** CommonJS packages whose `module.exports` is the thing itself (with a `.default` alias). */
function unwrap<T>(module: T | { default: T }): T {
  return typeof module === 'function' ? (module as T) : (module as { default: T }).default;
}
const standaloneCode = unwrap(standaloneCodeModule);

/** ajv could not compile a schema the model accepted: reported as `schema-invalid`, never a crash. */
export class SchemaCompileError extends Error {
  override readonly name = 'SchemaCompileError';
  constructor(
    readonly domain: DomainModel,
    readonly reason: string,
  ) {
    super(`cannot compile the state schema of ${domain.name}: ${reason}`);
  }
}

/** The ajv options MANIFEST.md validates with, plus what standalone ESM code needs (validation compiles with them too). */
export const AJV_OPTIONS = STATE_COMPILE_OPTIONS;

/** json-schema-to-typescript options: no `any`, no prettier (formatting is ours), no I/O. */
export const JSTT_OPTIONS = {
  bannerComment: '',
  format: false,
  unknownAny: true,
  additionalProperties: true,
  unreachableDefinitions: true,
  declareExternallyReferenced: true,
  strictIndexSignatures: false,
  ignoreMinAndMaxItems: true,
  enableConstEnums: false,
  $refOptions: { resolve: { external: false } },
} as const;

/**
 * Standalone code for one schema. The compiler gives each schema its own ajv instance, so
 * identifiers in the output (`validate10`, `schema11`…) depend on this domain alone; it
 * has usually compiled this very schema object already, during validation.
 */
export function compileValidatorSource(schema: object, compiler: StateSchemaCompiler): string {
  // A root `$id` would only name the schema in ajv's registry: not part of the output.
  const compilable = '$id' in schema ? (({ $id: _ignored, ...rest }) => rest)(schema as { $id?: unknown }) : schema;
  const { ajv, validate } = compiler.compile(compilable);
  return standaloneCode(ajv, validate);
}

const RUNTIME_REQUIRE = /require\("ajv\/dist\/runtime\/([a-z0-9_]+)"\)\.default/g;
const FORMATS_REQUIRE = /require\("ajv-formats\/dist\/formats"\)\.fullFormats/g;

/** Rewrites ajv's CommonJS output into an ES module importing its helpers from the runtime. */
export function toEsmValidator(source: string, ctx: GenerateContext, header: string): string {
  // The root's function is the one ajv exports; others (shared `$defs`) come first or after.
  const exported = /^export const validate = (validate\d+);$/m.exec(source)?.[1];
  if (!exported) throw new Error('internal: ajv standalone output exports no validate function');
  let code = source
    .replace(/^"use strict";\n?/, '')
    .replace(/^export const validate = validate\d+;\nexport default validate\d+;\n/m, '')
    .replace(RUNTIME_REQUIRE, (_m, name: string) => `ajvRuntime.${name}`)
    .replace(FORMATS_REQUIRE, 'ajvRuntime.formats');
  if (code.includes('require(')) throw new Error(`internal: ajv standalone output still requires a module: ${/require\([^)]*\)/.exec(code)?.[0]}`);
  code = code.trimEnd();
  return [
    header,
    '// @ts-nocheck: ajv standalone code, compiled at generate time; typed by the wrapper next to it',
    `import { ajvRuntime, type CompiledValidator } from ${quote(ctx.runtimeImport)};`,
    '',
    code,
    '',
    `export const validate: CompiledValidator = ${exported};`,
    '',
  ].join('\n');
}

/** The schema json-schema-to-typescript sees: our names as titles, nested titles dropped. */
export function prepareTypeSchema(domain: DomainModel, ctx: GenerateContext): Record<string, unknown> {
  const names = ctx.naming.domain(domain.name);
  const prepared = mapSchema(domain.state, (node, path) => {
    const copy = { ...node };
    // Nested titles would mint type names we do not control (and could collide across
    // domains): named types come from `$defs` only.
    delete copy['title'];
    if (path.length === 0) {
      copy['title'] = names.type;
      // Only as a name in jstt's comments; ajv never sees this copy.
      copy['$id'] = domain.name;
      if (domain.description !== undefined && copy['description'] === undefined) copy['description'] = domain.description;
    } else if (path.length === 2 && path[0] === '$defs' && typeof path[1] === 'string') {
      copy['title'] = names.defs.get(path[1]) ?? path[1];
    }
    return copy;
  }) as Record<string, unknown>;
  return prepared;
}

export async function emitDomainTypes(domain: DomainModel, ctx: GenerateContext): Promise<string> {
  const names = ctx.naming.domain(domain.name);
  const code = await compileTypes(prepareTypeSchema(domain, ctx) as never, names.type, JSTT_OPTIONS);
  return indentTypeScript(dropProvenanceNotes(code).trim());
}

/**
 * json-schema-to-typescript notes where each named type came from ("This interface was
 * referenced by `X`'s JSON-Schema via the `definition` …"): noise in code people read.
 */
export function dropProvenanceNotes(code: string): string {
  return code
    .replace(/\/\*\*\n \* This \w+ was referenced by [^\n]*\n \* via the [^\n]*\n \*\/\n/g, '')
    .replace(/\n \* ?\n \* This \w+ was referenced by [^\n]*\n \* via the [^\n]*/g, '');
}

export async function emitDomain(domain: DomainModel, ctx: GenerateContext): Promise<GeneratedFile[]> {
  const names = ctx.naming.domain(domain.name);
  const header = tsHeader([domain.file]);
  let types: string;
  try {
    types = await emitDomainTypes(domain, ctx);
  } catch (error) {
    throw new SchemaCompileError(domain, error instanceof Error ? error.message : String(error));
  }
  const topic = `${ctx.prefix}/state/${domain.name}`;
  const wrapper = [
    header,
    `import { toValidationIssues, type DomainSpec, type ValidationIssue } from ${quote(ctx.runtimeImport)};`,
    `import { validate } from ${quote(`./${domain.name}.validate.js`)};`,
    '',
    types,
    '',
    docComment([`Whether \`value\` is a valid \`${domain.name}\` state (validator compiled at generate time).`]),
    `export function ${names.is}(value: unknown): value is ${names.type} {`,
    '  return validate(value);',
    '}',
    '',
    docComment([`Why \`value\` is not a valid \`${domain.name}\` state: one issue per failed rule, empty when it is valid.`]),
    `export function ${names.explain}(value: unknown): ValidationIssue[] {`,
    '  return validate(value) ? [] : toValidationIssues(validate.errors);',
    '}',
    '',
    docComment([`The \`${domain.name}\` domain: published by \`${domain.owner}\` on \`${topic}\`, state version ${domain.version}.`]),
    `export const ${names.spec}: DomainSpec<${names.type}> = {`,
    `  name: ${quote(domain.name)},`,
    `  owner: ${quote(domain.owner)},`,
    `  version: ${domain.version},`,
    `  topic: ${quote(topic)},`,
    `  is: ${names.is},`,
    `  explain: ${names.explain},`,
    '};',
    '',
  ].join('\n');
  let source: string;
  try {
    source = compileValidatorSource(domain.state, ctx.compiler);
  } catch (error) {
    throw new SchemaCompileError(domain, error instanceof Error ? error.message : String(error));
  }
  const validator = toEsmValidator(source, ctx, header);
  return [
    { path: `domains/${domain.name}.ts`, content: wrapper },
    { path: `domains/${domain.name}.validate.ts`, content: validator },
  ];
}

export async function emitDomains(model: SystemModel, ctx: GenerateContext): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (const domain of model.domains) files.push(...(await emitDomain(domain, ctx)));
  return files;
}
