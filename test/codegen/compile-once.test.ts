/**
 * Each state schema is compiled once: validation compiles it, codegen turns that same
 * compiled validator into standalone code. The shared ajv instance must behave exactly
 * like a fresh one per schema (identifiers, `$id`s), or generated files would depend on
 * which other domains exist.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGenerateContext } from '../../src/codegen/context.js';
import { compileValidatorSource } from '../../src/codegen/emit-domains.js';
import { generateOutputs } from '../../src/codegen/generate.js';
import { createStateAjv, createStateSchemaCompiler, STATE_CHECK_OPTIONS, STATE_COMPILE_OPTIONS } from '../../src/manifest/compile-state-schema.js';
import { buildSystem } from '../../src/model/build-system.js';
import { defaultExportOf } from '../../src/shared/default-export.js';
import { caseOptions, CASES, readCaseManifests } from './golden.js';

const standaloneCode = defaultExportOf<typeof standaloneCodeModule.default>(standaloneCodeModule);

const lamp = {
  type: 'object',
  required: ['lamps'],
  properties: { lamps: { type: 'array', items: { $ref: '#/$defs/Lamp' } }, at: { type: 'string', format: 'date-time' } },
  $defs: { Lamp: { type: 'object', properties: { id: { type: 'string', pattern: '^l' }, level: { type: 'integer', minimum: 0 } } } },
};
const door = {
  type: 'object',
  properties: { open: { type: 'boolean' }, code: { type: 'string', pattern: '^[0-9]{4}$' }, seen: { type: 'string', format: 'email' } },
};

function sourceOf(schema: object, compiler = createStateSchemaCompiler()): string {
  const { ajv, validate } = compiler.compile(schema);
  return standaloneCode(ajv, validate);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the state schema compiler', () => {
  it('gives each schema the code a fresh ajv instance would, whatever was compiled before', () => {
    const shared = createStateSchemaCompiler();
    const expectedDoor = sourceOf(structuredClone(door));
    const expectedLamp = sourceOf(structuredClone(lamp));
    expect(sourceOf(structuredClone(lamp), shared)).toBe(expectedLamp);
    expect(sourceOf(structuredClone(door), shared)).toBe(expectedDoor);
    expect(sourceOf(structuredClone(lamp), shared)).toBe(expectedLamp);
    // The identifiers really are per schema (not a coincidence of an empty instance).
    expect(expectedLamp).toMatch(/\bvalidate\d+\b/);
  });

  it('returns the same compiled validator for the same schema object, and compiles a copy anew', () => {
    const compiler = createStateSchemaCompiler();
    const first = compiler.compile(lamp);
    expect(compiler.compile(lamp)).toBe(first);
    expect(compiler.compile(structuredClone(lamp)).validate).not.toBe(first.validate);
    expect(first.validate({ lamps: [{ id: 'l1', level: 3 }] })).toBe(true);
    expect(first.validate({ lamps: [{ id: 'x', level: -1 }] })).toBe(false);
    expect(first.validate.errors).toHaveLength(2); // allErrors: what `explain` reports
  });

  it('compiles a fail-fast validator apart, remembered per mode, agreeing with the all-errors one', () => {
    const compiler = createStateSchemaCompiler();
    const all = compiler.compile(lamp);
    const check = compiler.compile(lamp, 'first');
    expect(compiler.compile(lamp, 'first')).toBe(check);
    expect(compiler.compile(lamp, 'all')).toBe(all);
    expect(check.validate).not.toBe(all.validate);
    expect(check.validate({ lamps: [{ id: 'l1', level: 3 }] })).toBe(true);
    expect(check.validate({ lamps: [{ id: 'x', level: -1 }] })).toBe(false);
    expect(check.validate.errors).toHaveLength(1); // stops at the first failed rule
    // The same code as a fresh instance with the check's options would write.
    const fresh = createStateAjv(STATE_CHECK_OPTIONS);
    expect(standaloneCode(check.ajv, check.validate)).toBe(standaloneCode(fresh, fresh.compile(structuredClone(lamp))));
  });

  it('keeps `$id`s of one schema from clashing with another\'s, and a failed compile from leaving anything behind', () => {
    const compiler = createStateSchemaCompiler();
    const withIds = () => ({ $id: 'https://example.com/a', type: 'object', $defs: { X: { $id: 'x', type: 'string' } }, properties: { x: { $ref: 'x' } } });
    const { ajv } = compiler.compile(withIds());
    expect(() => compiler.compile(withIds())).not.toThrow();
    // Nothing of a compiled schema stays registered (ajv keeps nested `$id`s as refs otherwise).
    const fresh = createStateAjv(STATE_COMPILE_OPTIONS);
    expect(Object.keys(ajv.refs).sort()).toEqual(Object.keys(fresh.refs).sort());
    expect(Object.keys(ajv.schemas).sort()).toEqual(Object.keys(fresh.schemas).sort());
    expect(() => compiler.compile({ $id: 'https://example.com/b', type: 'object', properties: { n: { type: 'number', minLenght: 1 } } })).toThrow(/unknown keyword/);
    expect(() => compiler.compile({ $id: 'https://example.com/b', type: 'object' })).not.toThrow();
  });
});

describe('validate then generate', () => {
  it('compiles every state schema exactly once per validator when buildSystem and codegen share the compiler', async () => {
    const name = CASES.includes('features') ? 'features' : CASES[0]!;
    const files = readCaseManifests(name);
    const compile = vi.spyOn(Ajv2020.prototype, 'compile');
    const compiler = createStateSchemaCompiler();
    const { model } = buildSystem(files, { system: name, folder: 'manifests', compiler });
    expect(model).toBeDefined();
    const domains = model!.domains.length;
    expect(domains).toBeGreaterThan(1);
    expect(compile).toHaveBeenCalledTimes(domains);
    // Codegen reuses validation's all-errors compile and adds only the fail-fast one.
    const shared = await generateOutputs(model!, createGenerateContext(model!, caseOptions(name), compiler));
    expect(compile).toHaveBeenCalledTimes(2 * domains);

    // And the output is the same as with a compiler of its own (which compiles both again).
    const fresh = await generateOutputs(model!, createGenerateContext(model!, caseOptions(name)));
    expect(compile).toHaveBeenCalledTimes(4 * domains);
    expect(shared).toEqual(fresh);
  });

  it('drops a root `$id` from the generated validator, as before', () => {
    const compiler = createStateSchemaCompiler();
    const withId = { $id: 'https://example.com/door', ...door };
    expect(compileValidatorSource(withId, compiler)).toBe(compileValidatorSource(structuredClone(door), createStateSchemaCompiler()));
  });
});
