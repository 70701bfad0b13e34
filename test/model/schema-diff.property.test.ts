/**
 * The classifier against an oracle: for random pairs of schemas and random states, whenever
 * ajv shows a state the new schema accepts and the old one rejects, some change must say
 * that old readers of new states break (and the other way round). A verdict of `ok` is a
 * promise; this checks no random counterexample breaks it.
 */
import fc from 'fast-check';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { diffStateSchemas } from '../../src/model/schema-diff.js';
import type { JsonSchema } from '../../src/model/types.js';

const NAMES = ['a', 'b', 'c'] as const;
const VALUES: unknown[] = [0, 1, -1, 1.5, 7, 100, '', 'x', 'xyz', null, true, false, [], [1], ['x', 'x'], [1.5, null], {}, { a: 1 }, { a: 'x', d: null }];

const leaf: fc.Arbitrary<JsonSchema> = fc.oneof(
  fc.record({ type: fc.constantFrom('integer', 'number'), minimum: fc.option(fc.constantFrom(-1, 0, 1), { nil: undefined }), maximum: fc.option(fc.constantFrom(1, 7, 100), { nil: undefined }) }),
  fc.record({ type: fc.constantFrom('string', ['string', 'null']), maxLength: fc.option(fc.constantFrom(0, 1, 3), { nil: undefined }) }),
  fc.record({ enum: fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 4 }) }),
  fc.constant({ type: 'boolean' }),
  fc.constant({}),
  fc.record({ type: fc.constant('array'), items: fc.constantFrom({ type: 'integer' }, { type: 'number' }, { type: ['string', 'null'] }, {}), maxItems: fc.option(fc.constantFrom(0, 1, 2), { nil: undefined }), uniqueItems: fc.option(fc.boolean(), { nil: undefined }) }),
  fc.record({ type: fc.constant('object'), properties: fc.constantFrom({}, { a: { type: 'integer' } }, { a: { type: 'string' } }), additionalProperties: fc.option(fc.boolean(), { nil: undefined }) }),
).map((s) => JSON.parse(JSON.stringify(s)) as JsonSchema);

const object: fc.Arbitrary<JsonSchema> = fc
  .record({
    properties: fc.dictionary(fc.constantFrom(...NAMES), leaf, { maxKeys: 3 }),
    required: fc.subarray([...NAMES]),
    additionalProperties: fc.oneof(fc.constant(undefined), fc.boolean(), leaf),
  })
  .map(({ properties, required, additionalProperties }) => ({
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(additionalProperties === undefined ? {} : { additionalProperties }),
  }));

const state = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.constantFrom(...VALUES), { maxKeys: 4 });

/** A new schema that differs from the old one a little (one field re-drawn), or entirely. */
const pair = fc.oneof(
  fc.tuple(object, object),
  fc.tuple(object, fc.constantFrom(...NAMES), leaf, fc.boolean()).map(([old, name, schema, requiredToo]) => {
    const properties = { ...(old['properties'] as JsonSchema), [name]: schema };
    const required = new Set((old['required'] as string[] | undefined) ?? []);
    if (requiredToo) required.add(name);
    else required.delete(name);
    return [old, { ...old, properties, required: [...required] }] as const;
  }),
);

const ajv = new Ajv2020({ strict: false, allowUnionTypes: true });

describe('diffStateSchemas against ajv on random schemas and states', () => {
  it('never says a direction holds when a state shows it breaks', () => {
    fc.assert(
      fc.property(pair, fc.array(state, { minLength: 1, maxLength: 12 }), ([oldSchema, newSchema], states) => {
        const changes = diffStateSchemas(oldSchema, newSchema);
        const oldValid = ajv.compile(oldSchema);
        const newValid = ajv.compile(newSchema);
        for (const s of states) {
          const o = oldValid(s);
          const n = newValid(s);
          if (n && !o) expect(changes.some((c) => c.oldReadsNew === 'breaks'), `old readers reject ${JSON.stringify(s)}\n${JSON.stringify({ oldSchema, newSchema, changes })}`).toBe(true);
          if (o && !n) expect(changes.some((c) => c.newReadsOld === 'breaks'), `new readers reject ${JSON.stringify(s)}\n${JSON.stringify({ oldSchema, newSchema, changes })}`).toBe(true);
        }
        if (JSON.stringify(oldSchema) === JSON.stringify(newSchema)) expect(changes).toEqual([]);
      }),
      { numRuns: Number(process.env['CHINOOK_FUZZ_RUNS'] ?? 500) },
    );
  }, 120_000);
});
