/**
 * Is a manifest's `state` a usable JSON Schema? Checked in the order that gives the most
 * precise positions: root shape, then `$ref`s (resolved by hand so every dangling one is
 * reported at its own value), then ajv's meta-schema (structured errors, mapped back to
 * YAML nodes), and last a strict compile, whose thrown message is parsed for its place.
 */
import type { Ajv2020, ErrorObject } from 'ajv/dist/2020.js';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { checkSchemaSupport } from './check-schema-support.js';
import { createStateSchemaCompiler, strictMessagesOf, StrictSchemaError, type StateSchemaCompiler } from './compile-state-schema.js';
import { createSchemaInvalidDiagnostic, type Diagnostic, type Span } from './diagnostics.js';
import type { Manifest } from './check-manifest.js';
import { suggestClosest } from './suggest.js';
import { dedupeByPosition, describeCommentedRef, entriesOf, findCommentedRef, findEntry, spanOfNode, splitJsonPointer, type YamlDocument } from './yaml-document.js';

export { createStateAjv, STATE_AJV_OPTIONS } from './compile-state-schema.js';

const SCHEMA_KEYWORDS = [
  '$id', '$schema', '$ref', '$defs', '$comment', '$anchor', '$dynamicRef', '$dynamicAnchor', 'type', 'enum', 'const',
  'properties', 'additionalProperties', 'required', 'patternProperties', 'propertyNames', 'minProperties', 'maxProperties',
  'dependentRequired', 'dependentSchemas', 'unevaluatedProperties', 'items', 'prefixItems', 'contains', 'minContains',
  'maxContains', 'minItems', 'maxItems', 'uniqueItems', 'unevaluatedItems', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'format', 'allOf', 'anyOf', 'oneOf', 'not', 'if',
  'then', 'else', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'nullable',
];

/** Type names of other languages, and what JSON Schema calls them (`type: int` → `integer`). */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  int: 'integer', int32: 'integer', int64: 'integer', long: 'integer', uint: 'integer', short: 'integer',
  float: 'number', double: 'number', decimal: 'number', float32: 'number', float64: 'number', num: 'number',
  bool: 'boolean', str: 'string', text: 'string', char: 'string', date: 'string', datetime: 'string',
  list: 'array', tuple: 'array', dict: 'object', map: 'object', obj: 'object', record: 'object', struct: 'object',
  nil: 'null', none: 'null',
};

// Keywords whose values are data, not schemas: a `$ref` key inside them is not a reference.
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);

/**
 * `ajv` runs the meta-schema check (shared across schemas); `compiler` does the strict
 * compile, and keeps its result for codegen.
 */
export function checkStateSchema(manifest: Manifest, ajv: Ajv2020, compiler: StateSchemaCompiler = createStateSchemaCompiler()): Diagnostic[] {
  const { state, stateNode, document: doc } = manifest;
  if (state === undefined || stateNode === undefined) return [];
  const fallback = manifest.stateSpan ?? manifest.span;
  const invalid = (span: Span, reason: string, hint?: string): Diagnostic => createSchemaInvalidDiagnostic(span, manifest.domain, reason, hint);

  const diagnostics: Diagnostic[] = [];
  const rootType = state['type'];
  if (rootType !== 'object') {
    const typeEntry = findEntry(doc, stateNode, ['type']);
    const span = typeEntry.complete ? spanOfNode(doc, typeEntry.value) : fallback;
    diagnostics.push(
      invalid(span, rootType === undefined ? 'its root must be an object schema, but it has no `type`' : `its root must be an object schema, got \`type: ${JSON.stringify(rootType)}\``, 'a domain\'s state is always an object: write `type: object` at the top of `state`'),
    );
  }
  diagnostics.push(...checkRefs(doc, stateNode, state, invalid));
  // The meta-schema check is independent of refs and root: report its findings too.
  if (!ajv.validateSchema(state)) {
    diagnostics.push(...metaSchemaDiagnostics(doc, stateNode, ajv.errors ?? [], fallback, invalid));
  }
  // What ajv accepts but generate cannot type: found here so that validate reports it too
  // (once: a line already reported, e.g. a `$ref` outside the domain, is not repeated).
  const unsupported = checkSchemaSupport(doc, stateNode, state, invalid).filter((u) => !diagnostics.some((d) => d.line === u.line));
  diagnostics.push(...unsupported);
  // ajv's strict findings inside an unsupported construct (a tuple's minItems…) would only repeat it.
  if (unsupported.length > 0) return dedupeByPosition(diagnostics);
  // Compile even when something is already wrong: its strict-mode findings (unknown
  // keywords, `required` without `properties`…) belong in the same report, not the next run.
  try {
    compiler.compile(state);
  } catch (error) {
    const strict = strictMessagesOf(error).map((message) => compileErrorDiagnostic(doc, stateNode, new Error(message), fallback, invalid));
    // Another thrown error (a dangling `$ref`, a bad `type`) repeats what was reported above.
    const thrown = error instanceof StrictSchemaError || diagnostics.length > 0 ? [] : [compileErrorDiagnostic(doc, stateNode, error, fallback, invalid)];
    diagnostics.push(...strict, ...thrown);
  }
  return dedupeByPosition(diagnostics);
}

type Invalid = (span: Span, reason: string, hint?: string) => Diagnostic;

/** Every `$ref` must be a local JSON pointer that resolves inside this same `state`. */
function checkRefs(doc: YamlDocument, root: Node, state: unknown, invalid: Invalid): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // Explicit stack: hostile input may nest deeper than the call stack allows.
  const stack: Array<{ node: Node | null; path: string[] }> = [{ node: root, path: [] }];
  let visited = 0;
  while (stack.length > 0 && visited++ < 200_000) {
    const { node, path } = stack.pop()!;
    if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item as Node | null, path: [...path, String(i)] }));
      continue;
    }
    if (!isMap(node)) continue;
    const entries = entriesOf(doc, node);
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]!;
      const parentKey = path[path.length - 1];
      const isPropertyName = parentKey === 'properties' || parentKey === '$defs' || parentKey === 'patternProperties' || parentKey === 'dependentSchemas';
      if (entry.name === '$ref' && !isPropertyName) {
        const value = entry.value;
        const ref = isScalar(value) ? value.value : undefined;
        if (typeof ref !== 'string') {
          const span = spanOfNode(doc, value ?? entry.key);
          const commented = ref == null && doc.source !== undefined ? findCommentedRef(doc.source, span.line) : undefined;
          diagnostics.push(invalid(span, '`$ref` must be text like `#/$defs/Lamp`', commented && commented.line === span.line ? describeCommentedRef(commented) : undefined));
        } else if (!ref.startsWith('#')) {
          diagnostics.push(invalid(spanOfNode(doc, value), `\`$ref\` \`${ref}\` points outside this domain`, 'a `$ref` points into the same `state`\'s own `$defs`, e.g. `#/$defs/Lamp`'));
        } else if (!resolvesPointer(state, ref)) {
          const defs = (state as { $defs?: unknown }).$defs;
          const names = typeof defs === 'object' && defs !== null ? Object.keys(defs).map((n) => `#/$defs/${n}`) : [];
          const suggestion = suggestClosest(ref, names);
          diagnostics.push(invalid(spanOfNode(doc, value), `unresolved \`$ref\` \`${ref}\``, suggestion !== undefined ? `did you mean \`${suggestion}\`?` : names.length > 0 ? `defined: ${names.join(', ')}` : 'define it under `$defs` at the root of `state`'));
        }
        continue;
      }
      if (!isPropertyName && DATA_KEYWORDS.has(entry.name)) continue;
      stack.push({ node: entry.value, path: [...path, entry.name] });
    }
  }
  return diagnostics;
}

function resolvesPointer(root: unknown, ref: string): boolean {
  let current: unknown = root;
  for (const segment of splitJsonPointer(ref)) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return false;
    current = (current as Record<string, unknown>)[segment];
  }
  return typeof current === 'object' || typeof current === 'boolean';
}

function describePath(segments: readonly string[]): string {
  return segments.length === 0 ? 'the root' : `\`${segments.join('.')}\``;
}

function metaSchemaDiagnostics(doc: YamlDocument, root: Node, errors: readonly ErrorObject[], fallback: Span, invalid: Invalid): Diagnostic[] {
  // ajv reports an anyOf failure together with each branch's failure: keep one error per
  // place, preferring the most specific (not the combinator's summary).
  const byPath = new Map<string, ErrorObject>();
  for (const error of errors) {
    const current = byPath.get(error.instancePath);
    const generic = (e: ErrorObject): boolean => e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'type';
    if (!current || (generic(current) && !generic(error))) byPath.set(error.instancePath, error);
  }
  // Drop a place whose error merely summarises a deeper one.
  const paths = [...byPath.keys()];
  const out: Diagnostic[] = [];
  for (const [path, error] of byPath) {
    if (paths.some((p) => p !== path && p.startsWith(path + '/'))) continue;
    const segments = splitJsonPointer(path);
    const entry = findEntry(doc, root, segments);
    const span = entry.value ? spanOfNode(doc, entry.value) : fallback;
    let reason = `${describePath(segments)} ${error.message ?? 'is invalid'}`;
    if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      reason = `${describePath(segments)} must be one of ${allowed.map((v) => `\`${String(v)}\``).join(', ')}`;
      const value = isScalar(entry.value) ? String(entry.value.value) : undefined;
      const alias = segments[segments.length - 1] === 'type' && value !== undefined ? TYPE_ALIASES[value.toLowerCase()] : undefined;
      const suggestion = alias ?? (value === undefined ? undefined : suggestClosest(value, allowed.map(String)));
      out.push(invalid(span, reason, suggestion === undefined ? undefined : `did you mean \`${suggestion}\`?`));
      continue;
    }
    out.push(invalid(span, reason));
  }
  return out;
}

function compileErrorDiagnostic(doc: YamlDocument, root: Node, error: unknown, fallback: Span, invalid: Invalid): Diagnostic {
  const raw = error instanceof Error ? error.message : String(error);
  const missingRef = (error as { missingRef?: unknown }).missingRef;
  if (typeof missingRef === 'string') {
    const node = findKeyWithValue(doc, root, '$ref', missingRef.replace(/^[^#]*/, ''));
    return invalid(node ? spanOfNode(doc, node) : fallback, `unresolved \`$ref\` \`${missingRef}\``);
  }
  const pathMatch = /at (?:path )?"[^"#]*(#[^"]*)"/.exec(raw);
  const segments = pathMatch ? splitJsonPointer(pathMatch[1]!) : [];
  const reason = raw
    .replace(/^strict mode: /, '')
    .replace(/ (?:ignored )?(?:in schema )?at (?:path )?"[^"]*"/, '')
    .replace(/ \(strict\w*\)$/, '')
    .replace(/"([^"]*)"/g, '`$1`');
  const base = findEntry(doc, root, segments);
  const baseNode = base.complete ? base.value : root;

  const unknownKeyword = /unknown keyword: "([^"]*)"/.exec(raw);
  if (unknownKeyword) {
    const name = unknownKeyword[1]!;
    const key = findKey(doc, root, name);
    const suggestion = suggestClosest(name, SCHEMA_KEYWORDS);
    return invalid(key ? spanOfNode(doc, key) : fallback, `unknown keyword \`${name}\``, suggestion !== undefined ? `did you mean \`${suggestion}\`?` : 'ajv runs in strict mode: only JSON Schema keywords are allowed (put notes in `description`)');
  }
  const forKeyword = /for keyword "([^"]*)"/.exec(raw);
  if (forKeyword) {
    const key = entriesOf(doc, baseNode).find((e) => e.name === forKeyword[1])?.key;
    const missingType = /missing type "([^"]*)"/.exec(raw);
    return invalid(spanOfNode(doc, key ?? baseNode), reason, missingType ? `add \`type: ${missingType[1]}\` next to \`${forKeyword[1]}\`` : undefined);
  }
  const requiredProperty = /required property "([^"]*)"/.exec(raw);
  if (requiredProperty) {
    const required = entriesOf(doc, baseNode).find((e) => e.name === 'required')?.value;
    const item = isSeq(required) ? (required.items as Node[]).find((n) => isScalar(n) && n.value === requiredProperty[1]) : undefined;
    return invalid(spanOfNode(doc, item ?? required ?? baseNode), reason, `add \`${requiredProperty[1]}\` under \`properties\`, or remove it from \`required\``);
  }
  const unknownFormat = /unknown format "([^"]*)"/.exec(raw);
  if (unknownFormat) {
    const format = entriesOf(doc, baseNode).find((e) => e.name === 'format')?.value;
    return invalid(spanOfNode(doc, format ?? baseNode), `unknown format \`${unknownFormat[1]}\``, 'known formats include date-time, date, time, email, uri, uuid, ipv4, ipv6, hostname');
  }
  return invalid(pathMatch && base.complete ? spanOfNode(doc, baseNode) : fallback, reason);
}

function walkMaps(doc: YamlDocument, root: Node, visit: (entry: { name: string; key: Node | null; value: Node | null }) => boolean): Node | null {
  const stack: Array<Node | null> = [root];
  let visited = 0;
  while (stack.length > 0 && visited++ < 200_000) {
    const node = stack.pop()!;
    if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i] as Node | null);
    } else if (isMap(node)) {
      const entries = entriesOf(doc, node);
      for (const entry of entries) if (visit(entry)) return entry.key;
      for (let i = entries.length - 1; i >= 0; i--) stack.push(entries[i]!.value);
    }
  }
  return null;
}

function findKey(doc: YamlDocument, root: Node, name: string): Node | null {
  return walkMaps(doc, root, (e) => e.name === name);
}

function findKeyWithValue(doc: YamlDocument, root: Node, name: string, value: string): Node | null {
  let found: Node | null = null;
  walkMaps(doc, root, (e) => {
    if (e.name === name && isScalar(e.value) && e.value.value === value) {
      found = e.value;
      return true;
    }
    return false;
  });
  return found;
}
