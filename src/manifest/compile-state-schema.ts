/**
 * The one strict compile of a domain's `state`. Validation needs it (ajv strict mode is
 * what finds most schema mistakes) and code generation needs it (standalone validator
 * code): compiling twice was the largest cost of a cold `chinook generate`, so a compiler
 * remembers each schema object it compiled and codegen reuses the result.
 */
import { Ajv2020, type AnySchema, type ValidateFunction } from 'ajv/dist/2020.js';
import { ValueScope } from 'ajv/dist/compile/codegen/index.js';
import addFormatsModule from 'ajv-formats';
import { defaultExportOf } from '../shared/default-export.js';

const addFormats = defaultExportOf<(ajv: Ajv2020) => Ajv2020>(addFormatsModule);

/** The ajv settings of MANIFEST.md (strict, union types, ajv-formats loaded). */
export const STATE_AJV_OPTIONS = { strict: true, allowUnionTypes: true } as const;

/**
 * MANIFEST.md's settings plus what the generated validators need: every error (structured
 * errors for `explain`) and ES module source. The meta-schema check runs separately, once
 * per schema, on a shared instance: repeating it per fresh instance would cost ~10 ms a domain.
 */
export const STATE_COMPILE_OPTIONS = {
  ...STATE_AJV_OPTIONS,
  // Strict-mode findings are logged, not thrown, so that one compile finds all of them;
  // the compiler turns them into one StrictSchemaError (see below): as strict as `true`.
  strict: 'log',
  allErrors: true,
  validateSchema: false,
  code: { source: true, esm: true, lines: true },
} as const;

/** The same settings for the fast boolean check: stop at the first failed rule (STYLE.md 9). */
export const STATE_CHECK_OPTIONS = { ...STATE_COMPILE_OPTIONS, allErrors: false } as const;

/**
 * Which errors a compiled validator collects: `all` (what `explain` reports) or only the
 * `first` (the check on every publish and receive, which only needs yes or no).
 */
export type ErrorMode = 'all' | 'first';

/** A draft 2020-12 ajv with MANIFEST.md's settings and ajv-formats loaded. */
export function createStateAjv(extra: ConstructorParameters<typeof Ajv2020>[0] = {}): Ajv2020 {
  const ajv = new Ajv2020({ ...STATE_AJV_OPTIONS, logger: false, ...extra });
  addFormats(ajv);
  return ajv;
}

/** A compiled `state`: the validator and the ajv instance that holds its code. */
export interface CompiledStateSchema {
  readonly ajv: Ajv2020;
  readonly validate: ValidateFunction;
}

/**
 * Every strict-mode finding of one compile (ajv throws only the first in `strict: true`).
 * `message` is the first, as ajv would have thrown it. A compile that throws for another
 * reason carries the findings made before it as `strictMessages`.
 */
export class StrictSchemaError extends Error {
  override readonly name = 'StrictSchemaError';
  constructor(readonly messages: readonly string[]) {
    super(messages[0]);
  }
}

/** The strict-mode findings a thrown compile error carries (see StrictSchemaError). */
export function strictMessagesOf(error: unknown): readonly string[] {
  if (error instanceof StrictSchemaError) return error.messages;
  const carried = (error as { strictMessages?: unknown } | null)?.strictMessages;
  return Array.isArray(carried) ? (carried as string[]) : [];
}

export interface StateSchemaCompiler {
  /**
   * Compiles `state` collecting `all` errors (the default) or stopping at the `first` (throws
   * ajv's error when it cannot), or returns the earlier result for the same object and mode.
   */
  compile(state: AnySchema, errors?: ErrorMode): CompiledStateSchema;
}

/** Remembered compiles per schema object and error mode (see createIsolatedCompile). */
export function createStateSchemaCompiler(): StateSchemaCompiler {
  const compilers: Record<ErrorMode, (state: AnySchema) => CompiledStateSchema> = {
    all: createIsolatedCompile(STATE_COMPILE_OPTIONS),
    first: createIsolatedCompile(STATE_CHECK_OPTIONS),
  };
  return { compile: (state, errors = 'all') => compilers[errors](state) };
}

/** The shared instance of one isolated compile, and what it held before any schema was added. */
interface SharedAjv {
  readonly ajv: Ajv2020;
  readonly schemas: ReadonlySet<string>;
  readonly refs: ReadonlySet<string>;
}

/**
 * One ajv instance for every schema (building one per schema cost ~0.3 ms each, and as
 * much again in garbage), but each compile isolated as if the instance were fresh:
 * - a fresh value scope, so the identifiers of a schema's standalone code (`validate10`,
 *   `schema11`…) depend on that schema alone and adding a domain never changes another
 *   domain's generated file (a test compares with a fresh instance);
 * - every schema and `$id` it registered is removed afterwards, so two domains using the
 *   same `$id` never clash and the instance does not grow across builds.
 * Results are remembered per schema object (not per content: a model's schemas are never
 * mutated, and a new build parses new objects). The instance is made on the first compile.
 */
function createIsolatedCompile(options: ConstructorParameters<typeof Ajv2020>[0]): (state: AnySchema) => CompiledStateSchema {
  const compiled = new WeakMap<object, CompiledStateSchema>();
  let shared: SharedAjv | undefined;
  /** What ajv logged during the current compile. */
  const findings: string[] = [];
  return (state) => {
    const key = typeof state === 'object' && state !== null ? state : undefined;
    const known = key && compiled.get(key);
    if (known) return known;
    if (!shared) {
      const logger = { log: () => undefined, error: () => undefined, warn: (...args: unknown[]) => void findings.push(args.map(String).join(' ')) };
      const ajv = createStateAjv({ ...options, logger });
      shared = { ajv, schemas: new Set(Object.keys(ajv.schemas)), refs: new Set(Object.keys(ajv.refs)) };
    }
    const { ajv } = shared;
    const { prefixes, es5, lines } = ajv.scope.opts;
    // `scope` is readonly in ajv's types only; the instance reads it afresh for every compile.
    (ajv as { scope: ValueScope }).scope = new ValueScope({ scope: {}, ...(prefixes ? { prefixes } : {}), ...(es5 ? { es5 } : {}), ...(lines ? { lines } : {}) });
    findings.length = 0;
    try {
      let validate: ValidateFunction;
      try {
        validate = ajv.compile(state);
      } catch (error) {
        if (findings.length > 0 && typeof error === 'object' && error !== null) Object.assign(error, { strictMessages: [...new Set(findings)] });
        throw error;
      }
      if (findings.length > 0) throw new StrictSchemaError([...new Set(findings)]);
      const result = { ajv, validate };
      if (key) compiled.set(key, result);
      return result;
    } finally {
      forgetSchemas(shared, key);
    }
  };
}

/** Unregisters everything one compile added to the shared instance. */
function forgetSchemas({ ajv, schemas, refs }: SharedAjv, key: object | undefined): void {
  try {
    if (key) ajv.removeSchema(key);
  } catch {
    // a `$id` that is not text (the meta-schema check reports it): nothing was registered under it
  }
  for (const id of Object.keys(ajv.schemas)) if (!schemas.has(id)) delete ajv.schemas[id];
  for (const id of Object.keys(ajv.refs)) if (!refs.has(id)) delete ajv.refs[id];
}
