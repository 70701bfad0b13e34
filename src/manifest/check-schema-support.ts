/**
 * JSON Schema that validates fine but that `chinook generate` cannot turn into correct
 * TypeScript types: reported as `schema-invalid` at the offending key while the system is
 * built, so `validate` accepts exactly what `generate` accepts (CLI.md), and never a crash
 * or silently wrong types.
 *
 * What is wider in TypeScript than in the validator (`minimum`, `pattern`, `not`,
 * `if`/`then`/`else`, `dependentSchemas`…) is supported: the type admits more, the
 * validator still rejects it at run time, before it is published.
 */
import type { Node } from 'yaml';
import type { Diagnostic, Span } from './diagnostics.js';
import { walkSchema, type SchemaPath } from './schema-walk.js';
import type { JsonSchema } from './source-location.js';
import { findEntry, spanOfNode, type YamlDocument } from './yaml-document.js';

/** A finding before it is placed: the path of keys inside `state` and why. */
export interface SchemaSupportIssue {
  readonly path: SchemaPath;
  readonly reason: string;
  readonly hint: string;
}

const LOCAL_REF = /^#(\/\$defs\/[^/]+)?$/;
/** Annotations that may stand next to a `$ref` without changing what it means. */
const REF_SIBLINGS = new Set(['$ref', 'description', 'title', '$comment', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly']);

const UNSUPPORTED_KEYWORDS: { readonly [keyword: string]: string } = {
  $dynamicRef: 'dynamic references (`$dynamicRef`) have no TypeScript equivalent',
  $dynamicAnchor: 'dynamic anchors (`$dynamicAnchor`) have no TypeScript equivalent',
  $recursiveRef: '`$recursiveRef` is not part of draft 2020-12',
  $anchor: 'named anchors (`$anchor`) cannot be typed: refer to a `$defs` entry instead',
  prefixItems: 'tuples (`prefixItems`) would be typed as plain arrays',
};

/** Pure: the unsupported constructs of one schema, in document order. */
export function findUnsupportedSchema(state: JsonSchema): SchemaSupportIssue[] {
  const issues: SchemaSupportIssue[] = [];
  walkSchema(state, (node, path) => {
    for (const [keyword, reason] of Object.entries(UNSUPPORTED_KEYWORDS)) {
      if (keyword in node) issues.push({ path: [...path, keyword], reason, hint: 'remove it, or describe the state without it' });
    }
    if (path.length > 0 && typeof node['$id'] === 'string') {
      issues.push({ path: [...path, '$id'], reason: 'a nested `$id` changes how `$ref`s resolve and cannot be typed', hint: 'move the subschema into `$defs` without an `$id`' });
    }
    const ref = node['$ref'];
    if (typeof ref === 'string') {
      if (!LOCAL_REF.test(ref)) {
        issues.push({
          path: [...path, '$ref'],
          reason: `\`$ref: ${ref}\` is not supported: only \`#/$defs/<name>\` of the same domain (or \`#\`)`,
          hint: 'copy the referenced schema into this domain\'s `$defs` and refer to it as `#/$defs/<name>`',
        });
      }
      const siblings = Object.keys(node).filter((k) => !REF_SIBLINGS.has(k)).sort();
      if (siblings.length > 0) {
        issues.push({
          path: [...path, siblings[0]!],
          reason: `keywords next to \`$ref\` (${siblings.map((s) => `\`${s}\``).join(', ')}) would be dropped from the generated type`,
          hint: 'combine them with `allOf: [{ $ref: … }, { … }]`',
        });
      }
    }
  });
  return issues;
}

/** Every unsupported construct of one `state`, each placed at its key (`stateNode` is the YAML node of `state`). */
export function checkSchemaSupport(
  doc: YamlDocument,
  stateNode: Node,
  state: JsonSchema,
  invalid: (span: Span, reason: string, hint?: string) => Diagnostic,
): Diagnostic[] {
  return findUnsupportedSchema(state).map((issue) => {
    const entry = findEntry(doc, stateNode, issue.path.map(String));
    return invalid(spanOfNode(doc, entry.key ?? entry.value), issue.reason, issue.hint);
  });
}
