/**
 * Diagnostics are data: every problem found in a set of manifests becomes one of these,
 * collected and reported together. The sentence is written here, once per code, so the
 * same mistake always reads the same way.
 */
import type { SourceLocation } from './source-location.js';

/** The closed set of MANIFEST.md's codes. */
export type DiagnosticCode =
  | 'yaml-syntax'
  | 'manifest-invalid'
  | 'schema-invalid'
  | 'duplicate-domain'
  | 'unknown-dependency'
  | 'self-dependency'
  | 'dependency-cycle'
  | 'no-manifests';

export const DIAGNOSTIC_CODES: readonly DiagnosticCode[] = [
  'yaml-syntax',
  'manifest-invalid',
  'schema-invalid',
  'duplicate-domain',
  'unknown-dependency',
  'self-dependency',
  'dependency-cycle',
  'no-manifests',
];

export type Severity = 'error' | 'warning';

/** A place in a file: 1-based line/column of the offending key or value; `endColumn` is exclusive, same line. */
export interface Span {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endColumn?: number;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** Relative to the current directory, `/`-separated (for `no-manifests`: the folder). */
  readonly file: string;
  /** 1-based; absent only for `no-manifests`. */
  readonly line?: number;
  /** 1-based. */
  readonly column?: number;
  /** Exclusive end column on the same line, when the offending token is known (for the caret underline). */
  readonly endColumn?: number;
  /** What to do about it. */
  readonly hint?: string;
  /** `dependency-cycle`: the loop, first service repeated at the end. */
  readonly services?: readonly string[];
  /** `dependency-cycle`: `domains[i]` is the domain `services[i]` waits for. */
  readonly domains?: readonly string[];
  /** The domain the diagnostic is about (`duplicate-domain`, `unknown-dependency`, `self-dependency`). */
  readonly domain?: string;
  /** `unknown-dependency`: the dependency as written. `self-dependency`: the domain depended on. */
  readonly dependency?: string;
  /** `duplicate-domain`: where the domain was declared first. */
  readonly previous?: SourceLocation;
}

function at(span: Span): Pick<Diagnostic, 'file' | 'line' | 'column' | 'endColumn'> {
  const base = { file: span.file, line: span.line, column: span.column };
  return span.endColumn === undefined ? base : { ...base, endColumn: span.endColumn };
}

function withHint(hint: string | undefined): { hint?: string } {
  return hint === undefined ? {} : { hint };
}

export function createYamlSyntaxDiagnostic(span: Span, reason: string, hint = 'fix the YAML syntax; nothing else in this file is checked until it parses'): Diagnostic {
  return { code: 'yaml-syntax', severity: 'error', message: `not valid YAML: ${reason}`, ...at(span), hint };
}

export function createManifestInvalidDiagnostic(span: Span, message: string, hint?: string): Diagnostic {
  return { code: 'manifest-invalid', severity: 'error', message, ...at(span), ...withHint(hint) };
}

export function createSchemaInvalidDiagnostic(span: Span, domain: string | undefined, reason: string, hint?: string): Diagnostic {
  const prefix = domain === undefined ? '`state` is not a usable JSON Schema' : `\`state\` of \`${domain}\` is not a usable JSON Schema`;
  return { code: 'schema-invalid', severity: 'error', message: `${prefix}: ${reason}`, ...at(span), ...withHint(hint) };
}

export function createDuplicateDomainDiagnostic(span: Span, domain: string, previous: SourceLocation): Diagnostic {
  return {
    code: 'duplicate-domain',
    severity: 'error',
    message: `domain \`${domain}\` is declared twice: here and at ${previous.file}:${previous.line}:${previous.column}`,
    ...at(span),
    hint: 'each domain has exactly one manifest; rename one of them or merge them',
    domain,
    previous,
  };
}

export function createUnknownDependencyDiagnostic(span: Span, domain: string, dependency: string, suggestion: string | undefined): Diagnostic {
  return {
    code: 'unknown-dependency',
    severity: 'error',
    message: `\`${domain}\` depends on \`${dependency}\`, which no manifest declares`,
    ...at(span),
    hint: suggestion === undefined ? 'add a manifest for it, or remove the dependency' : `did you mean \`${suggestion}\`?`,
    domain,
    dependency,
  };
}

export function createSelfDependencyDiagnostic(span: Span, domain: string, dependency: string, owner: string): Diagnostic {
  const what = domain === dependency ? `\`${domain}\` depends on itself` : `\`${domain}\` depends on \`${dependency}\`, which its own service \`${owner}\` also owns`;
  return {
    code: 'self-dependency',
    severity: 'error',
    message: what,
    ...at(span),
    hint: `a service already holds the state it publishes; remove this dependency`,
    domain,
    dependency,
  };
}

/** One loop through a strongly connected component of the service wait-for graph. */
export interface DependencyLoop {
  /** First service repeated at the end. */
  readonly services: readonly string[];
  /** `domains[i]`: the domain `services[i]` waits for. */
  readonly domains: readonly string[];
  /** `requiredBy[i]`: the domain of `services[i]` whose dependency makes the link. */
  readonly requiredBy: readonly string[];
}

export function createDependencyCycleDiagnostic(span: Span, loop: DependencyLoop): Diagnostic {
  const links = loop.domains.map(
    (domain, i) => `${loop.services[i]} waits for ${domain} (owned by ${loop.services[i + 1]})`,
  );
  const reasons = loop.domains.map((domain, i) => `\`${loop.requiredBy[i]}\` requires \`${domain}\``);
  return {
    code: 'dependency-cycle',
    severity: 'error',
    message: `dependency loop: ${links.join(' → ')}`,
    ...at(span),
    hint: `${reasons.join(', ')}: make one of these dependencies \`optional: true\`, or move a domain to another service`,
    services: loop.services,
    domains: loop.domains,
  };
}

export function createNoManifestsDiagnostic(folder: string): Diagnostic {
  return {
    code: 'no-manifests',
    severity: 'error',
    message: `no manifest found in \`${folder}\` (looked for *.yaml and *.yml files, recursively)`,
    file: folder,
    hint: 'check the folder path (the `manifests` key of chinook.config.yaml, or the DIR argument)',
  };
}

type Sortable = Pick<Diagnostic, 'file' | 'line' | 'column' | 'message'> & { readonly code: string };

/** Files first, then position, then code: the order every output uses. */
export function compareDiagnostics(a: Sortable, b: Sortable): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  const la = a.line ?? 0;
  const lb = b.line ?? 0;
  if (la !== lb) return la - lb;
  const ca = a.column ?? 0;
  const cb = b.column ?? 0;
  if (ca !== cb) return ca - cb;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}
