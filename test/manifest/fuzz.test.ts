import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../src/manifest/diagnostics.js';
import { createStateAjv } from '../../src/manifest/check-state-schema.js';
import { createStateSchemaCompiler } from '../../src/manifest/compile-state-schema.js';
import { buildSystem } from '../../src/model/build-system.js';
import { applyEdit, editMutations } from './mutations.js';

const SCHEMAS = fileURLToPath(new URL('../../schemas/', import.meta.url));
const seeds = readdirSync(SCHEMAS)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(SCHEMAS + f, 'utf8'));

// One ajv and one compiler for every run, as a long-lived tool would: building a fresh
// ajv per run was most of this file's time.
const ajv = createStateAjv({ validateSchema: false });
const compiler = createStateSchemaCompiler();

function assertOnlyCodedDiagnostics(texts: readonly string[]): void {
  const files = texts.map((text, i) => ({ path: `fuzz/${i}.yaml`, text }));
  const result = buildSystem(files, { system: 'fuzz', folder: 'fuzz', ajv, compiler });
  for (const d of result.diagnostics) {
    expect(DIAGNOSTIC_CODES).toContain(d.code);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.file.startsWith('fuzz')).toBe(true);
    if (d.code !== 'no-manifests') {
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.column).toBeGreaterThanOrEqual(1);
    }
  }
  expect(result.model === undefined).toBe(result.diagnostics.some((d) => d.severity === 'error'));
}

// Mutations that mimic real mistakes: deleting, duplicating or swapping characters and lines.
const mutation = fc.oneof(
  ...editMutations([':', '-', ' ', '\n', '  ', '[', '{', '"', "'", '#', '&a ', '*a', '---\n', '$ref', '!!str ', '\t', 'x', '?', '|', '>'], 8),
  fc.record({ kind: fc.constant('replaceWord' as const), at: fc.nat(), word: fc.constantFrom('type', 'object', 'array', 'domain', 'owner', 'required', 'properties', 'items', 'enum', 'optional', 'dependsOn', 'power', 'null', '1', 'true', '$defs') }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function applyMutation(text: string, m: Mutation): string {
  if (m.kind !== 'replaceWord') return applyEdit(text, m);
  if (text.length === 0) return text;
  const match = /[A-Za-z$]+/g;
  match.lastIndex = m.at % text.length;
  const found = match.exec(text);
  return found ? text.slice(0, found.index) + m.word + text.slice(found.index + found[0].length) : text;
}

describe('fuzz: bad input only ever yields coded diagnostics', () => {
  // 1,000 system builds (each compiles schemas with ajv): 17-30 s alone, 82 s measured with
  // the machine's load at 20 on 2 cores. The limit is a hang detector, not a speed check:
  // every mutated schema is also compiled when the meta-schema check already failed (to
  // report all of its mistakes at once), ~40% more work.
  it('mutated reference manifests', { timeout: 300_000 }, () => {
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, mutations) => {
        const text = mutations.reduce((t, m) => applyMutation(t, m), seeds[seed]!);
        assertOnlyCodedDiagnostics([text, seeds[(seed + 1) % seeds.length]!]);
      }),
      { numRuns: 1000 },
    );
  });

  it('random YAML-ish text and random JSON values', () => {
    const yamlish = fc.string({ unit: fc.constantFrom('a', 'domain', 'state', ':', ' ', '\n', '-', '[', ']', '{', '}', ',', '"', '&x', '*x', '#', '---', '1', 'type: object', '  ', '\t', '?', '!'), maxLength: 60 });
    fc.assert(fc.property(yamlish, (text) => assertOnlyCodedDiagnostics([text])), { numRuns: 1500 });
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => assertOnlyCodedDiagnostics([JSON.stringify(value)])), { numRuns: 500 });
    const manifestish = fc.record(
      {
        domain: fc.oneof(fc.constantFrom('a', 'b', 'power'), fc.jsonValue({ maxDepth: 1 })),
        owner: fc.oneof(fc.constantFrom('s1', 's2'), fc.jsonValue({ maxDepth: 1 })),
        version: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })),
        dependsOn: fc.array(fc.oneof(fc.constantFrom('a', 'b', 'power', 'c'), fc.record({ domain: fc.constantFrom('a', 'b'), optional: fc.jsonValue({ maxDepth: 0 }) })), { maxLength: 3 }),
        state: fc.oneof(fc.constant({ type: 'object' }), fc.record({ type: fc.constantFrom('object', 'array', 'strin'), properties: fc.dictionary(fc.constantFrom('x', '$ref', 'items'), fc.jsonValue({ maxDepth: 2 })), $ref: fc.constantFrom('#/$defs/X', '#', 'http://x') }, { requiredKeys: [] })),
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(fc.array(manifestish, { minLength: 1, maxLength: 3 }), (docs) => assertOnlyCodedDiagnostics([docs.map((d) => JSON.stringify(d)).join('\n---\n')])), { numRuns: 800 });
  });

  it('hostile YAML: alias bombs and deep nesting', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]', 'state: [*d, *d, *d, *d, *d, *d, *d, *d, *d]'].join('\n');
    assertOnlyCodedDiagnostics([bomb]);
    assertOnlyCodedDiagnostics(['state: ' + '['.repeat(5000) + ']'.repeat(5000)]);
    assertOnlyCodedDiagnostics(['domain: a\nowner: s\nversion: 1\nstate:\n  type: object\n  properties:\n    x: ' + '{ type: object, properties: { y: '.repeat(300) + '{}' + ' } }'.repeat(300)]);
  });
});
