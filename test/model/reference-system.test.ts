import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildSystem } from '../../src/model/build-system.js';
import { buildFixture } from '../manifest/load-fixture.js';

const SCHEMAS = fileURLToPath(new URL('../../schemas/', import.meta.url));
const files = readdirSync(SCHEMAS)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ path: `schemas/${f}`, text: readFileSync(SCHEMAS + f, 'utf8') }));

describe('the reference system (schemas/)', () => {
  const result = buildSystem(files, { system: 'home', folder: 'schemas' });

  it('validates clean', () => {
    expect(result.diagnostics).toEqual([]);
    expect(result.model).toBeDefined();
  });

  it('has what later issues rely on: ≥6 domains, ≥4 services, a service with two domains, an optional dependency', () => {
    const model = result.model!;
    expect(model.domains.map((d) => d.name)).toEqual(['climate', 'lighting', 'power', 'presence', 'security', 'tariff']);
    expect(model.services.map((s) => s.name)).toEqual(['climate-service', 'energy-service', 'lighting-service', 'presence-service', 'security-service']);
    expect(model.servicesByName.get('energy-service')?.owns).toEqual(['power', 'tariff']);
    expect(model.servicesByName.get('climate-service')).toMatchObject({ waitsFor: ['power', 'tariff'], optional: ['presence'] });
    expect(model.servicesByName.get('lighting-service')).toMatchObject({ waitsFor: ['presence'], optional: ['power'] });
    expect(model.waitsFor.map((e) => `${e.from}->${e.to}:${e.domain}->${e.dependency}`)).toEqual([
      'climate-service->energy-service:climate->power',
      'climate-service->energy-service:climate->tariff',
      'lighting-service->presence-service:lighting->presence',
      'security-service->presence-service:security->presence',
    ]);
    expect(model.domainsByName.get('power')?.location).toMatchObject({ file: 'schemas/power.domain.yaml', line: 2, column: 1 });
  });

  it('does not depend on file order', () => {
    const reversed = buildSystem([...files].reverse(), { system: 'home', folder: 'schemas' });
    expect(JSON.stringify(reversed.model?.domains)).toBe(JSON.stringify(result.model?.domains));
  });
});

describe('schemas/manifest.schema.json (for editors) agrees with the checker', () => {
  const schema = JSON.parse(readFileSync(SCHEMAS + 'manifest.schema.json', 'utf8')) as object;
  const validate = new Ajv({ strict: false }).compile(schema);

  it('accepts every reference manifest', () => {
    for (const file of files) expect(validate(parse(file.text)), file.path).toBe(true);
  });

  it('rejects the manifest-invalid fixture and an unknown key, accepts x- keys and the long dependency form', () => {
    const fixture = readFileSync(new URL('../fixtures/manifests/manifest-invalid/lamp.domain.yaml', import.meta.url), 'utf8');
    expect(validate(parse(fixture))).toBe(false);
    expect(buildFixture('manifest-invalid').diagnostics.length).toBeGreaterThan(0);
    const base = { domain: 'a', owner: 'a-service', version: 1, state: { type: 'object' } };
    expect(validate({ ...base, colour: 'blue' })).toBe(false);
    expect(validate({ ...base, 'x-team': 'home', dependsOn: ['b', { domain: 'c', optional: true }] })).toBe(true);
    expect(validate({ ...base, state: { type: 'array' } })).toBe(false);
  });
});
