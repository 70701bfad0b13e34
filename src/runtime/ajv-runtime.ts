/**
 * What validators compiled by `chinook generate` (ajv standalone code) need at run time:
 * ajv's small runtime helpers and ajv-formats' format checks, and nothing of ajv's
 * compiler. Generated code imports them from `chinook-ipc/runtime`, so a user's project
 * never resolves `ajv/...` itself and the code stays ESM-clean (ajv emits `require(...)`).
 */
import * as equalModule from 'ajv/dist/runtime/equal.js';
import * as ucs2lengthModule from 'ajv/dist/runtime/ucs2length.js';
import * as uriModule from 'ajv/dist/runtime/uri.js';
import * as validationErrorModule from 'ajv/dist/runtime/validation_error.js';
import * as formatsModule from 'ajv-formats/dist/formats.js';
import { defaultExportOf } from '../shared/default-export.js';
import type { ValidationIssue } from './contract.js';

/** One error as ajv's compiled code reports it (the part we read). */
export interface CompiledValidatorError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: { readonly [key: string]: unknown };
  readonly message?: string;
}

/** The shape of an ajv standalone validate function. */
export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: readonly CompiledValidatorError[] | null;
}

/** Format checks, as ajv-formats' "full" mode defines them (a RegExp or `{validate}` each). */
const formats = (formatsModule as unknown as { fullFormats: { readonly [format: string]: unknown } }).fullFormats;

/** The helpers ajv standalone code refers to, by the name of their module in `ajv/dist/runtime/`. */
export const ajvRuntime = {
  equal: defaultExportOf<(a: unknown, b: unknown) => boolean>(equalModule),
  ucs2length: defaultExportOf<(value: string) => number>(ucs2lengthModule),
  uri: defaultExportOf<unknown>(uriModule),
  validation_error: defaultExportOf<unknown>(validationErrorModule),
  formats,
} as const;

/** Maps ajv's structured errors to the runtime's `ValidationIssue`s (an empty list for none). */
export function toValidationIssues(errors: readonly CompiledValidatorError[] | null | undefined): ValidationIssue[] {
  if (!errors) return [];
  return errors.map((error) => ({
    path: error.instancePath,
    keyword: error.keyword,
    message: describeError(error),
  }));
}

function describeError(error: CompiledValidatorError): string {
  const base = error.message ?? `fails \`${error.keyword}\``;
  const params = error.params;
  if (error.keyword === 'additionalProperties' && typeof params['additionalProperty'] === 'string') {
    return `${base}: \`${params['additionalProperty']}\``;
  }
  if (error.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
    return `${base}: ${params['allowedValues'].map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (error.keyword === 'const' && 'allowedValue' in params) {
    return `${base} ${JSON.stringify(params['allowedValue'])}`;
  }
  return base;
}
