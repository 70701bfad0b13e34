/**
 * Per domain: `domains/<domain>.ts` (the state's types from json-schema-to-typescript, a
 * typed guard, an explainer and the `DomainSpec`) and two ajv standalone validators compiled
 * now, so nothing compiles a schema at run time: `domains/<domain>.validate.ts`, which stops
 * at the first failed rule (the guard, on every publish and receive), and
 * `domains/<domain>.validate-all.ts`, which collects every error (the explainer's report).
 */
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import { compile as compileTypes, type JSONSchema } from 'json-schema-to-typescript';
import type { ErrorMode, StateSchemaCompiler } from '../manifest/compile-state-schema.js';
import type { DomainModel, SystemModel } from '../model/types.js';
import { stateTopic } from '../runtime/envelope.js';
import { defaultExportOf } from '../shared/default-export.js';
import type { GenerateContext } from './context.js';
import type { GeneratedFile } from './emitter.js';
import { docComment, indentTypeScript, quote } from './format.js';
import { tsHeader } from './header.js';
import { mapSchema } from '../manifest/schema-walk.js';

const standaloneCode = defaultExportOf<typeof standaloneCodeModule.default>(standaloneCodeModule);

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
 * Standalone code for one schema, collecting `all` errors or stopping at the `first`. The
 * compiler compiles each schema as a fresh ajv instance would, so identifiers in the output
 * (`validate10`, `schema11`…) depend on this domain alone; it has usually compiled this very
 * schema object already (for `all` errors), during validation.
 */
export function compileValidatorSource(schema: object, compiler: StateSchemaCompiler, errors: ErrorMode = 'all'): string {
  // A root `$id` would only name the schema in ajv's registry: not part of the output.
  const compilable = '$id' in schema ? (({ $id: _ignored, ...rest }) => rest)(schema as { $id?: unknown }) : schema;
  const { ajv, validate } = compiler.compile(compilable, errors);
  return standaloneCode(ajv, validate);
}

const RUNTIME_REQUIRE = /require\("ajv\/dist\/runtime\/([a-z0-9_]+)"\)\.default/g;
const FORMATS_REQUIRE = /require\("ajv-formats\/dist\/formats"\)\.fullFormats/g;

/** A domain's two validator files: `domains/<domain>.<file>.ts`, exporting `name`. */
export const VALIDATOR_FILES: Readonly<Record<ErrorMode, { readonly file: string; readonly name: string; readonly doc: string }>> = {
  first: { file: 'validate', name: 'validate', doc: 'Stops at the first failed rule: the fast check on every publish and receive.' },
  all: { file: 'validate-all', name: 'validateAll', doc: 'Collects every failed rule: what `explain` reports.' },
};

/** Rewrites ajv's CommonJS output into an ES module importing its helpers from the runtime. */
export function toEsmValidator(source: string, ctx: GenerateContext, header: string, errors: ErrorMode): string {
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
  const { name, doc } = VALIDATOR_FILES[errors];
  return [
    header,
    '// @ts-nocheck: ajv standalone code, compiled at generate time; typed by its one export',
    `import { ajvRuntime, type CompiledValidator } from ${quote(ctx.runtimeImport)};`,
    '',
    code,
    '',
    docComment([doc]),
    `export const ${name}: CompiledValidator = ${exported};`,
    '',
  ].join('\n');
}

/** The schema json-schema-to-typescript sees: our names as titles, nested titles dropped. */
export function prepareTypeSchema(domain: DomainModel, ctx: GenerateContext): JSONSchema {
  const names = ctx.naming.domain(domain.name);
  return mapSchema(domain.state, (node, path) => {
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
  }) as JSONSchema;
}

export async function emitDomainTypes(domain: DomainModel, ctx: GenerateContext): Promise<string> {
  const names = ctx.naming.domain(domain.name);
  const code = await compileTypes(prepareTypeSchema(domain, ctx), names.type, JSTT_OPTIONS);
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

/** What `make` returns; anything it throws as the domain's `SchemaCompileError`. */
async function orSchemaCompileError<T>(domain: DomainModel, make: () => T | Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (error) {
    throw new SchemaCompileError(domain, error instanceof Error ? error.message : String(error));
  }
}

/** `domains/<domain>.ts`: the types, the guard (fast check), the explainer (every error) and the `DomainSpec`. */
function emitDomainModule(domain: DomainModel, ctx: GenerateContext, header: string, types: string): string {
  const names = ctx.naming.domain(domain.name);
  const topic = stateTopic(ctx.prefix, domain.name);
  const { first, all } = VALIDATOR_FILES;
  return [
    header,
    `import { toValidationIssues, type DomainSpec, type ValidationIssue } from ${quote(ctx.runtimeImport)};`,
    `import { ${first.name} } from ${quote(`./${domain.name}.${first.file}.js`)};`,
    `import { ${all.name} } from ${quote(`./${domain.name}.${all.file}.js`)};`,
    '',
    types,
    '',
    docComment([`Whether \`value\` is a valid \`${domain.name}\` state (validator compiled at generate time; stops at the first failed rule).`]),
    `export function ${names.is}(value: unknown): value is ${names.type} {`,
    `  return ${first.name}(value);`,
    '}',
    '',
    docComment([`Why \`value\` is not a valid \`${domain.name}\` state: one issue per failed rule, empty when it is valid.`]),
    `export function ${names.explain}(value: unknown): ValidationIssue[] {`,
    `  return ${all.name}(value) ? [] : toValidationIssues(${all.name}.errors);`,
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
}

export async function emitDomain(domain: DomainModel, ctx: GenerateContext): Promise<GeneratedFile[]> {
  const header = tsHeader([domain.file]);
  const types = await orSchemaCompileError(domain, () => emitDomainTypes(domain, ctx));
  const files: GeneratedFile[] = [{ path: `domains/${domain.name}.ts`, content: emitDomainModule(domain, ctx, header, types) }];
  for (const errors of ['first', 'all'] as const) {
    const source = await orSchemaCompileError(domain, () => compileValidatorSource(domain.state, ctx.compiler, errors));
    files.push({ path: `domains/${domain.name}.${VALIDATOR_FILES[errors].file}.ts`, content: toEsmValidator(source, ctx, header, errors) });
  }
  return files;
}

export async function emitDomains(model: SystemModel, ctx: GenerateContext): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (const domain of model.domains) files.push(...(await emitDomain(domain, ctx)));
  return files;
}
