/**
 * The compiled validators agree with the generated types: samples typed as the generated
 * type pass; samples the compiler rejects (`@ts-expect-error`, checked by `npm run
 * typecheck`) fail with issues; constraints TypeScript cannot express fail at run time.
 */
import { describe, expect, it } from 'vitest';
import { validate as checkCatalog } from '../fixtures/codegen/features/expected/domains/catalog.validate.js';
import { validateAll as validateAllCatalog } from '../fixtures/codegen/features/expected/domains/catalog.validate-all.js';
import { explainCatalog, explainStockLevel, isCatalog, isStockLevel, system, type Catalog } from '../fixtures/codegen/features/expected/index.js';

const valid: Catalog[] = [
  { items: [], kind: 'catalog', status: 'draft', updated: '2026-11-28T15:00:00Z' },
  {
    items: [{ sku: 'ABC-1234', quantity: 3, weight: 1.5, status: 'active' }],
    kind: 'catalog',
    status: 'active',
    updated: '2026-11-28T15:00:00.123+01:00',
    contact: 'someone@example.com',
    homepage: null,
    note: null,
    price: { amount: 10, currency: 'EUR' },
    tags: { colour: 'red' },
    counters: { c_views: 4 },
    extra: { source: 'import', anything: [1, 2] },
    grid: [[-5, 0, 5], []],
  },
  { items: [], kind: 'catalog', status: 'retired', updated: '2026-01-01T00:00:00Z', price: 0.5, homepage: 'https://example.com/x', note: 'ok' },
];

// Rejected by the compiler and by the validator alike.
const wrongTypes: { sample: unknown; path: string; keyword: string }[] = [
  // @ts-expect-error kind is the constant `catalog`
  { sample: { items: [], kind: 'other', status: 'draft', updated: '2026-11-28T15:00:00Z' } satisfies Catalog, path: '/kind', keyword: 'const' },
  // @ts-expect-error status is an enum
  { sample: { items: [], kind: 'catalog', status: 'gone', updated: '2026-11-28T15:00:00Z' } satisfies Catalog, path: '/status', keyword: 'enum' },
  // @ts-expect-error quantity is a number
  { sample: { items: [{ sku: 'ABC-1234', quantity: '3' }], kind: 'catalog', status: 'draft', updated: '2026-11-28T15:00:00Z' } satisfies Catalog, path: '/items/0/quantity', keyword: 'type' },
  // @ts-expect-error updated is required
  { sample: { items: [], kind: 'catalog', status: 'draft' } satisfies Catalog, path: '', keyword: 'required' },
  // @ts-expect-error no unknown property at the root (additionalProperties: false)
  { sample: { items: [], kind: 'catalog', status: 'draft', updated: '2026-11-28T15:00:00Z', colour: 'red' } satisfies Catalog, path: '', keyword: 'additionalProperties' },
  // @ts-expect-error currency is EUR or USD
  { sample: { items: [], kind: 'catalog', status: 'draft', updated: '2026-11-28T15:00:00Z', price: { amount: 1, currency: 'GBP' } } satisfies Catalog, path: '/price', keyword: 'oneOf' },
  // @ts-expect-error tags hold strings
  { sample: { items: [], kind: 'catalog', status: 'draft', updated: '2026-11-28T15:00:00Z', tags: { a: 1 } } satisfies Catalog, path: '/tags/a', keyword: 'type' },
];

// Well-typed, but outside what the schema allows: only the validator can tell.
const base: Catalog = { items: [], kind: 'catalog', status: 'draft', updated: '2026-11-28T15:00:00Z' };
const outOfRange: { sample: Catalog; path: string; keyword: string }[] = [
  { sample: { ...base, updated: 'yesterday' }, path: '/updated', keyword: 'format' },
  { sample: { ...base, contact: 'not an email' }, path: '/contact', keyword: 'format' },
  { sample: { ...base, items: [{ sku: 'abc', quantity: 1 }] }, path: '/items/0/sku', keyword: 'pattern' },
  { sample: { ...base, items: [{ sku: 'ABC-1234', quantity: 1001 }] }, path: '/items/0/quantity', keyword: 'maximum' },
  { sample: { ...base, items: [{ sku: 'ABC-1234', quantity: 1.5 }] }, path: '/items/0/quantity', keyword: 'type' },
  { sample: { ...base, items: [{ sku: 'ABC-1234', quantity: 1, weight: 100 }] }, path: '/items/0/weight', keyword: 'exclusiveMaximum' },
  { sample: { ...base, items: [{ sku: 'ABC-1234', quantity: 1, weight: 0.3 }] }, path: '/items/0/weight', keyword: 'multipleOf' },
  { sample: { ...base, price: 0 }, path: '/price', keyword: 'oneOf' },
  { sample: { ...base, note: 'x'.repeat(141) }, path: '/note', keyword: 'anyOf' },
  { sample: { ...base, counters: { views: 1 } }, path: '/counters', keyword: 'additionalProperties' },
  { sample: { ...base, counters: { c_views: -1 } }, path: '/counters/c_views', keyword: 'minimum' },
  { sample: { ...base, grid: [[], [], [], []] }, path: '/grid', keyword: 'maxItems' },
  { sample: { ...base, grid: [[6]] }, path: '/grid/0/0', keyword: 'maximum' },
];

describe('generated validators', () => {
  it.each(valid.map((v, i) => [i, v] as const))('valid sample %i passes with no issues', (_i, sample) => {
    expect(explainCatalog(sample)).toEqual([]);
    expect(isCatalog(sample)).toBe(true);
  });

  it.each([...wrongTypes, ...outOfRange].map((c) => [`${c.path || '/'} ${c.keyword}`, c] as const))('invalid (%s) fails and explains why', (_name, { sample, path, keyword }) => {
    expect(isCatalog(sample)).toBe(false);
    const issues = explainCatalog(sample);
    expect(issues).toContainEqual(expect.objectContaining({ path, keyword }));
    for (const issue of issues) expect(issue.message).toMatch(/\S/);
  });

  it('rejects what is not an object at all, without throwing', () => {
    for (const value of [null, undefined, 42, 'x', [], () => 1]) {
      expect(isCatalog(value)).toBe(false);
      expect(explainCatalog(value)).toContainEqual(expect.objectContaining({ path: '', keyword: 'type' }));
    }
  });

  it('checks fast with a validator that stops at the first failed rule, and explains with one that collects all', () => {
    const twoWrong = { ...base, status: 'gone', counters: { c_views: -1 } };
    expect(isCatalog(twoWrong)).toBe(false);
    expect(checkCatalog.errors).toHaveLength(1);
    expect(explainCatalog(twoWrong).map((i) => i.path)).toEqual(expect.arrayContaining(['/status', '/counters/c_views']));
    expect(checkCatalog).not.toBe(validateAllCatalog);
  });

  it('the fast check and the explanation agree on every sample', () => {
    for (const sample of [...valid, ...wrongTypes.map((c) => c.sample), ...outOfRange.map((c) => c.sample), null, 42, []]) {
      expect(isCatalog(sample)).toBe(explainCatalog(sample).length === 0);
    }
  });

  it('the SystemSpec carries the guards and topics', () => {
    expect(system.domains['stock-level'].is({ items: [{ sku: 'a', level: 1 }] })).toBe(true);
    expect(isStockLevel({ items: [{ sku: 'a' }] })).toBe(false);
    expect(explainStockLevel({ items: [{ sku: 'a' }] })).toEqual([{ path: '/items/0', keyword: 'required', message: "must have required property 'level'" }]);
    expect(system.domains.catalog.topic).toBe('chinook/features/state/catalog');
  });
});
