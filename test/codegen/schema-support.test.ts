import { describe, expect, it } from 'vitest';
import { buildSystem } from '../../src/model/build-system.js';

/** The model build (what `validate` runs) reports what generate cannot type. */
function check(stateYaml: string): { line?: number; column?: number; message: string; code: string }[] {
  const text = `domain: shapes\nowner: shape-service\nversion: 1\nstate:\n${stateYaml}`;
  const { model, diagnostics } = buildSystem([{ path: 'm/shapes.yaml', text }], { system: 's', folder: 'm' });
  expect(model === undefined).toBe(diagnostics.length > 0);
  return [...diagnostics];
}

describe('schema features generate cannot type', () => {
  it('prefixItems (tuples) is schema-invalid at its key', () => {
    const found = check(['  type: object', '  properties:', '    point:', '      type: array', '      prefixItems: [{ type: number }, { type: number }]', '      minItems: 2', '      items: false', ''].join('\n'));
    expect(found).toEqual([expect.objectContaining({ code: 'schema-invalid', line: 9, column: 7 })]);
    expect(found[0]!.message).toMatch(/prefixItems/);
  });

  it('keywords next to $ref are schema-invalid at the first of them', () => {
    const found = check(
      ['  type: object', '  properties:', '    a:', "      $ref: '#/$defs/A'", '      type: object', '      maxProperties: 3', '  $defs:', '    A: { type: object, properties: { x: { type: string } } }', ''].join('\n'),
    );
    expect(found).toEqual([expect.objectContaining({ code: 'schema-invalid', line: 10, column: 7 })]);
    expect(found[0]!.message).toMatch(/`maxProperties`, `type`/);
  });

  it('a property named like a keyword is not mistaken for one, and supported schemas give nothing', () => {
    const found = check(['  type: object', '  properties:', '    prefixItems: { type: string }', '    $anchor: { type: string }', '    title: { type: string }', ''].join('\n'));
    expect(found).toEqual([]);
  });
});
