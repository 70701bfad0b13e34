/**
 * Every rule of docs/manifest.md "Evolving a schema", in both directions. Each case names
 * the change, its verdicts, and sample states; ajv is the oracle for the samples: a sample
 * the new schema accepts and the old one rejects proves "old readers of new states" breaks
 * (and the other way round), so no verdict may say `ok` against a counterexample, and every
 * `breaks` (except unclassifiable ones) must be shown by one.
 */
import { describe, expect, it } from 'vitest';
import { createStateAjv } from '../../src/manifest/compile-state-schema.js';
import { diffStateSchemas, type SchemaChangeKind, type Verdict } from '../../src/model/schema-diff.js';
import type { JsonSchema } from '../../src/model/types.js';

interface Case {
  readonly name: string;
  readonly old: JsonSchema;
  readonly new: JsonSchema;
  /** The change expected (the first one of that kind is checked), or none at all. */
  readonly expect: { kind: SchemaChangeKind; keyword?: string; oldReadsNew: Verdict; newReadsOld: Verdict; instancePath?: string; path?: string[] } | 'no-change';
  readonly samples?: readonly unknown[];
}

const obj = (properties: JsonSchema, extra: JsonSchema = {}): JsonSchema => ({ type: 'object', properties, ...extra });
const closed = (properties: JsonSchema, extra: JsonSchema = {}): JsonSchema => obj(properties, { additionalProperties: false, ...extra });
const field = (schema: JsonSchema): JsonSchema => closed({ v: schema }, { required: ['v'] });

const cases: Case[] = [
  // properties
  { name: 'optional property added to a closed object', old: closed({ a: { type: 'integer' } }), new: closed({ a: { type: 'integer' }, b: { type: 'string' } }),
    expect: { kind: 'property-added', oldReadsNew: 'breaks', newReadsOld: 'ok', path: ['properties', 'b'], instancePath: '/b' }, samples: [{ a: 1 }, { a: 1, b: 'x' }] },
  { name: 'optional property added to an open object', old: obj({ a: { type: 'integer' } }), new: obj({ a: { type: 'integer' }, b: { type: 'string' } }),
    expect: { kind: 'property-added', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ a: 1 }, { a: 1, b: 5 }, { a: 1, b: 'x' }] },
  { name: 'optional property added whose values additionalProperties already constrained alike', old: obj({}, { additionalProperties: { type: 'string' } }), new: obj({ b: { type: 'string' } }, { additionalProperties: { type: 'string' } }),
    expect: { kind: 'property-added', oldReadsNew: 'ok', newReadsOld: 'ok' }, samples: [{ b: 'x' }, { b: 1 }, { c: 'y' }] },
  { name: 'required property added to a closed object', old: closed({ a: { type: 'integer' } }), new: closed({ a: { type: 'integer' }, b: { type: 'string' } }, { required: ['b'] }),
    expect: { kind: 'property-added', oldReadsNew: 'breaks', newReadsOld: 'breaks' }, samples: [{ a: 1 }, { b: 'x' }] },
  { name: 'required property added to an open object', old: obj({ a: { type: 'integer' } }), new: obj({ a: { type: 'integer' }, b: { type: 'string' } }, { required: ['b'] }),
    expect: { kind: 'property-added', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ a: 1 }, { b: 'x' }] },
  { name: 'optional property removed from a closed object', old: closed({ a: { type: 'integer' }, b: { type: 'string' } }), new: closed({ a: { type: 'integer' } }),
    expect: { kind: 'property-removed', oldReadsNew: 'ok', newReadsOld: 'breaks', path: ['properties', 'b'] }, samples: [{ a: 1 }, { a: 1, b: 'x' }] },
  { name: 'optional property removed from an open object', old: obj({ a: { type: 'integer' }, b: { type: 'string' } }), new: obj({ a: { type: 'integer' } }),
    expect: { kind: 'property-removed', oldReadsNew: 'breaks', newReadsOld: 'ok' }, samples: [{ a: 1 }, { a: 1, b: 5 }] },
  { name: 'required property removed from a closed object', old: closed({ a: { type: 'integer' }, b: { type: 'string' } }, { required: ['b'] }), new: closed({ a: { type: 'integer' } }),
    expect: { kind: 'property-removed', oldReadsNew: 'breaks', newReadsOld: 'breaks' }, samples: [{ a: 1 }, { b: 'x' }] },
  { name: 'property made required', old: closed({ a: { type: 'integer' } }), new: closed({ a: { type: 'integer' } }, { required: ['a'] }),
    expect: { kind: 'property-made-required', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{}, { a: 1 }] },
  { name: 'property made optional', old: closed({ a: { type: 'integer' } }, { required: ['a'] }), new: closed({ a: { type: 'integer' } }),
    expect: { kind: 'property-made-optional', oldReadsNew: 'breaks', newReadsOld: 'ok' }, samples: [{}, { a: 1 }] },
  // type
  { name: 'type widened (null allowed)', old: field({ type: 'string' }), new: field({ type: ['string', 'null'] }),
    expect: { kind: 'widened', keyword: 'type', oldReadsNew: 'breaks', newReadsOld: 'ok', instancePath: '/v' }, samples: [{ v: 'x' }, { v: null }] },
  { name: 'type narrowed', old: field({ type: ['string', 'null'] }), new: field({ type: 'string' }),
    expect: { kind: 'narrowed', keyword: 'type', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: 'x' }, { v: null }] },
  { name: 'type changed', old: field({ type: 'string' }), new: field({ type: 'number' }),
    expect: { kind: 'changed', keyword: 'type', oldReadsNew: 'breaks', newReadsOld: 'breaks' }, samples: [{ v: 'x' }, { v: 1 }] },
  { name: 'integer → number is a widening', old: field({ type: 'integer' }), new: field({ type: 'number' }),
    expect: { kind: 'widened', keyword: 'type', oldReadsNew: 'breaks', newReadsOld: 'ok' }, samples: [{ v: 1 }, { v: 1.5 }] },
  { name: 'number → integer is a narrowing', old: field({ type: 'number' }), new: field({ type: 'integer' }),
    expect: { kind: 'narrowed', keyword: 'type', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: 1 }, { v: 1.5 }] },
  // enum and const
  { name: 'enum value added', old: field({ enum: ['a', 'b'] }), new: field({ enum: ['a', 'b', 'c'] }),
    expect: { kind: 'widened', keyword: 'enum', oldReadsNew: 'breaks', newReadsOld: 'ok' }, samples: [{ v: 'a' }, { v: 'c' }] },
  { name: 'enum value removed', old: field({ enum: ['a', 'b', 'c'] }), new: field({ enum: ['a', 'b'] }),
    expect: { kind: 'narrowed', keyword: 'enum', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: 'a' }, { v: 'c' }] },
  { name: 'enum value replaced', old: field({ enum: ['a', 'b'] }), new: field({ enum: ['a', 'c'] }),
    expect: { kind: 'changed', keyword: 'enum', oldReadsNew: 'breaks', newReadsOld: 'breaks' }, samples: [{ v: 'b' }, { v: 'c' }] },
  { name: 'enum reordered', old: field({ enum: ['a', 'b'] }), new: field({ enum: ['b', 'a'] }), expect: 'no-change' },
  { name: 'enum added where any value was allowed', old: field({ type: 'string' }), new: field({ type: 'string', enum: ['a'] }),
    expect: { kind: 'narrowed', keyword: 'enum', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: 'a' }, { v: 'z' }] },
  { name: 'const changed', old: field({ const: 1 }), new: field({ const: 2 }),
    expect: { kind: 'changed', keyword: 'const', oldReadsNew: 'breaks', newReadsOld: 'breaks' }, samples: [{ v: 1 }, { v: 2 }] },
  // bounds
  { name: 'maximum raised', old: field({ type: 'integer', maximum: 100 }), new: field({ type: 'integer', maximum: 1000 }),
    expect: { kind: 'widened', keyword: 'maximum', oldReadsNew: 'breaks', newReadsOld: 'ok', path: ['properties', 'v', 'maximum'] }, samples: [{ v: 50 }, { v: 500 }] },
  { name: 'maximum lowered', old: field({ type: 'integer', maximum: 100 }), new: field({ type: 'integer', maximum: 50 }),
    expect: { kind: 'narrowed', keyword: 'maximum', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: 10 }, { v: 80 }] },
  { name: 'minimum raised', old: field({ type: 'integer', minimum: 0 }), new: field({ type: 'integer', minimum: 10 }),
    expect: { kind: 'narrowed', keyword: 'minimum', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: 5 }, { v: 20 }] },
  { name: 'exclusiveMinimum lowered', old: field({ type: 'number', exclusiveMinimum: 0 }), new: field({ type: 'number', exclusiveMinimum: -1 }),
    expect: { kind: 'widened', keyword: 'exclusiveMinimum', oldReadsNew: 'breaks', newReadsOld: 'ok' }, samples: [{ v: -0.5 }, { v: 1 }] },
  { name: 'maxLength added', old: field({ type: 'string' }), new: field({ type: 'string', maxLength: 3 }),
    expect: { kind: 'narrowed', keyword: 'maxLength', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: 'ab' }, { v: 'abcdef' }] },
  { name: 'minItems removed', old: field({ type: 'array', minItems: 1 }), new: field({ type: 'array' }),
    expect: { kind: 'widened', keyword: 'minItems', oldReadsNew: 'breaks', newReadsOld: 'ok' }, samples: [{ v: [] }, { v: [1] }] },
  { name: 'multipleOf made stricter (2 → 4)', old: field({ type: 'integer', multipleOf: 2 }), new: field({ type: 'integer', multipleOf: 4 }),
    expect: { kind: 'narrowed', keyword: 'multipleOf', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: 2 }, { v: 8 }] },
  { name: 'multipleOf loosened (4 → 2)', old: field({ type: 'integer', multipleOf: 4 }), new: field({ type: 'integer', multipleOf: 2 }),
    expect: { kind: 'widened', keyword: 'multipleOf', oldReadsNew: 'breaks', newReadsOld: 'ok' }, samples: [{ v: 2 }, { v: 8 }] },
  { name: 'multipleOf 2 → 3 cannot be ordered', old: field({ type: 'integer', multipleOf: 2 }), new: field({ type: 'integer', multipleOf: 3 }),
    expect: { kind: 'unclassifiable', keyword: 'multipleOf', oldReadsNew: 'breaks', newReadsOld: 'breaks' }, samples: [{ v: 2 }, { v: 3 }, { v: 6 }] },
  { name: 'uniqueItems added', old: field({ type: 'array' }), new: field({ type: 'array', uniqueItems: true }),
    expect: { kind: 'narrowed', keyword: 'uniqueItems', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: [1, 1] }, { v: [1, 2] }] },
  { name: 'uniqueItems: false added changes nothing', old: field({ type: 'array' }), new: field({ type: 'array', uniqueItems: false }), expect: 'no-change' },
  // pattern and format
  { name: 'pattern added', old: field({ type: 'string' }), new: field({ type: 'string', pattern: '^[a-z]+$' }),
    expect: { kind: 'narrowed', keyword: 'pattern', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: 'abc' }, { v: 'ABC' }] },
  { name: 'pattern removed', old: field({ type: 'string', pattern: '^[a-z]+$' }), new: field({ type: 'string' }),
    expect: { kind: 'widened', keyword: 'pattern', oldReadsNew: 'breaks', newReadsOld: 'ok' }, samples: [{ v: 'abc' }, { v: 'ABC' }] },
  { name: 'pattern changed (two patterns cannot be compared)', old: field({ type: 'string', pattern: '^[a-z]+$' }), new: field({ type: 'string', pattern: '^[a-z0-9]+$' }),
    expect: { kind: 'unclassifiable', keyword: 'pattern', oldReadsNew: 'breaks', newReadsOld: 'breaks' }, samples: [{ v: 'abc' }, { v: 'a1' }] },
  { name: 'format added', old: field({ type: 'string' }), new: field({ type: 'string', format: 'date-time' }),
    expect: { kind: 'narrowed', keyword: 'format', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: 'x' }, { v: '2026-01-01T00:00:00Z' }] },
  { name: 'format changed', old: field({ type: 'string', format: 'date-time' }), new: field({ type: 'string', format: 'date' }),
    expect: { kind: 'unclassifiable', keyword: 'format', oldReadsNew: 'breaks', newReadsOld: 'breaks' }, samples: [{ v: '2026-01-01' }, { v: '2026-01-01T00:00:00Z' }] },
  // additionalProperties
  { name: 'additionalProperties false → allowed', old: closed({ a: { type: 'integer' } }), new: obj({ a: { type: 'integer' } }),
    expect: { kind: 'widened', keyword: 'additionalProperties', oldReadsNew: 'breaks', newReadsOld: 'ok', instancePath: '/*' }, samples: [{ a: 1 }, { a: 1, z: 1 }] },
  { name: 'additionalProperties allowed → false', old: obj({ a: { type: 'integer' } }), new: closed({ a: { type: 'integer' } }),
    expect: { kind: 'narrowed', keyword: 'additionalProperties', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ a: 1 }, { a: 1, z: 1 }] },
  { name: 'additionalProperties schema narrowed', old: obj({}, { additionalProperties: { type: ['string', 'number'] } }), new: obj({}, { additionalProperties: { type: 'string' } }),
    expect: { kind: 'narrowed', keyword: 'type', oldReadsNew: 'ok', newReadsOld: 'breaks', path: ['additionalProperties', 'type'], instancePath: '/*' }, samples: [{ z: 'x' }, { z: 1 }] },
  // arrays and composition
  { name: 'items narrowed', old: field({ type: 'array', items: { type: 'number' } }), new: field({ type: 'array', items: { type: 'integer' } }),
    expect: { kind: 'narrowed', keyword: 'type', oldReadsNew: 'ok', newReadsOld: 'breaks', instancePath: '/v/*' }, samples: [{ v: [1] }, { v: [1.5] }] },
  { name: 'anyOf branch widened', old: field({ anyOf: [{ type: 'string' }, { type: 'integer', maximum: 5 }] }), new: field({ anyOf: [{ type: 'string' }, { type: 'integer', maximum: 9 }] }),
    expect: { kind: 'widened', keyword: 'maximum', oldReadsNew: 'breaks', newReadsOld: 'ok', path: ['properties', 'v', 'anyOf', '1', 'maximum'] }, samples: [{ v: 'x' }, { v: 3 }, { v: 7 }] },
  { name: 'oneOf changed', old: field({ oneOf: [{ type: 'string' }, { type: 'integer' }] }), new: field({ oneOf: [{ type: 'string' }, { type: 'number' }] }),
    expect: { kind: 'unclassifiable', keyword: 'oneOf', oldReadsNew: 'breaks', newReadsOld: 'breaks' } },
  { name: 'allOf gains a schema', old: field({ allOf: [{ type: 'integer' }] }), new: field({ allOf: [{ type: 'integer' }, { type: 'integer', minimum: 0 }] }),
    expect: { kind: 'unclassifiable', keyword: 'allOf', oldReadsNew: 'breaks', newReadsOld: 'breaks' } },
  { name: 'not added', old: field({ type: 'integer' }), new: field({ type: 'integer', not: { const: 0 } }),
    expect: { kind: 'narrowed', keyword: 'not', oldReadsNew: 'ok', newReadsOld: 'breaks' }, samples: [{ v: 0 }, { v: 1 }] },
  { name: 'if/then added (keywords that depend on each other)', old: field({ type: 'integer' }), new: field({ type: 'integer', if: { minimum: 10 }, then: { multipleOf: 10 } }),
    expect: { kind: 'unclassifiable', keyword: 'if', oldReadsNew: 'breaks', newReadsOld: 'breaks' } },
  // $defs and $ref
  { name: 'a change inside a definition is found through $ref, at the definition',
    old: { ...closed({ lamps: { type: 'array', items: { $ref: '#/$defs/Lamp' } } }), $defs: { Lamp: closed({ level: { type: 'integer', maximum: 100 } }) } },
    new: { ...closed({ lamps: { type: 'array', items: { $ref: '#/$defs/Lamp' } } }), $defs: { Lamp: closed({ level: { type: 'integer', maximum: 50 } }) } },
    expect: { kind: 'narrowed', keyword: 'maximum', oldReadsNew: 'ok', newReadsOld: 'breaks', path: ['$defs', 'Lamp', 'properties', 'level', 'maximum'], instancePath: '/lamps/*/level' },
    samples: [{ lamps: [{ level: 10 }] }, { lamps: [{ level: 80 }] }] },
  { name: 'definition renamed, uses updated: compatible',
    old: { ...closed({ a: { $ref: '#/$defs/A' } }), $defs: { A: { type: 'integer' } } },
    new: { ...closed({ a: { $ref: '#/$defs/Count' } }), $defs: { Count: { type: 'integer' } } },
    expect: { kind: 'definition-added', oldReadsNew: 'ok', newReadsOld: 'ok', path: ['$defs', 'Count'] }, samples: [{ a: 1 }, { a: 'x' }] },
  { name: 'unused definition added: compatible', old: closed({ a: { type: 'integer' } }), new: { ...closed({ a: { type: 'integer' } }), $defs: { B: { type: 'string' } } },
    expect: { kind: 'definition-added', oldReadsNew: 'ok', newReadsOld: 'ok' } },
  { name: 'inline schema moved into $defs: compatible',
    old: closed({ a: { type: 'integer', minimum: 0 } }),
    new: { ...closed({ a: { $ref: '#/$defs/Count', description: 'how many' } }), $defs: { Count: { type: 'integer', minimum: 0 } } },
    expect: { kind: 'definition-added', oldReadsNew: 'ok', newReadsOld: 'ok' }, samples: [{ a: 1 }, { a: -1 }] },
  { name: 'recursive definitions terminate',
    old: { $ref: '#/$defs/Node', $defs: { Node: closed({ next: { $ref: '#/$defs/Node' }, v: { type: 'integer' } }) } },
    new: { $ref: '#/$defs/Node', $defs: { Node: closed({ next: { $ref: '#/$defs/Node' }, v: { type: 'number' } }) } },
    expect: { kind: 'widened', keyword: 'type', oldReadsNew: 'breaks', newReadsOld: 'ok', path: ['$defs', 'Node', 'properties', 'v', 'type'] }, samples: [{ v: 1 }, { next: { v: 1.5 } }] },
  // annotations
  { name: 'description changed', old: field({ type: 'string', description: 'a' }), new: field({ type: 'string', description: 'b' }),
    expect: { kind: 'annotation-changed', keyword: 'description', oldReadsNew: 'ok', newReadsOld: 'ok' } },
];

const ajv = createStateAjv({ allErrors: true });

describe('diffStateSchemas: each rule, both directions', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const changes = diffStateSchemas(c.old, c.new);
    if (c.expect === 'no-change') {
      expect(changes).toEqual([]);
      return;
    }
    const expected = c.expect;
    const found = changes.find((ch) => ch.kind === expected.kind && (expected.keyword === undefined || ch.keyword === expected.keyword));
    expect(found, JSON.stringify(changes, null, 1)).toBeDefined();
    expect({ oldReadsNew: found!.oldReadsNew, newReadsOld: found!.newReadsOld }).toEqual({ oldReadsNew: expected.oldReadsNew, newReadsOld: expected.newReadsOld });
    if (expected.instancePath !== undefined) expect(found!.instancePath).toBe(expected.instancePath);
    if (expected.path !== undefined) expect(found!.path).toEqual(expected.path);
    // Whole-schema verdicts, checked against ajv on the samples.
    const oldValid = ajv.compile(c.old);
    const newValid = ajv.compile(c.new);
    const breaks = (dir: 'oldReadsNew' | 'newReadsOld'): boolean => changes.some((ch) => ch[dir] === 'breaks');
    const counter = { oldReadsNew: false, newReadsOld: false };
    for (const sample of c.samples ?? []) {
      if (newValid(sample) && !oldValid(sample)) counter.oldReadsNew = true;
      if (oldValid(sample) && !newValid(sample)) counter.newReadsOld = true;
    }
    for (const dir of ['oldReadsNew', 'newReadsOld'] as const) {
      if (counter[dir]) expect(breaks(dir), `${dir}: a sample shows it breaks`).toBe(true);
      if (c.samples !== undefined && expected[dir] === 'breaks' && expected.kind !== 'unclassifiable') expect(counter[dir], `${dir}: some sample shows the break`).toBe(true);
    }
  });

  it('the same schema gives no change, whatever the key order', () => {
    const a = { type: 'object', required: ['x'], properties: { x: { type: 'integer', minimum: 0 } }, additionalProperties: false };
    const b = { additionalProperties: false, properties: { x: { minimum: 0, type: 'integer' } }, required: ['x'], type: 'object' };
    expect(diffStateSchemas(a, b)).toEqual([]);
  });
});
