/**
 * The format's bounds (MANIFEST.md): `version` an integer 1 .. 2147483647, names at most 64
 * characters. Manifests outside them could never run (every envelope rejected), so the
 * checker and the editor schema (schemas/manifest.schema.json) both refuse them.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildSystem } from '../../src/model/build-system.js';
import { ROOT } from './run-cli.js';

function check(text: string): { code: string; line?: number; column?: number; message: string }[] {
  return [...buildSystem([{ path: 'm/a.yaml', text }], { system: 's', folder: 'm' }).diagnostics];
}

const manifest = (fields: { domain?: string; owner?: string; version?: string; dependsOn?: string }): string =>
  [
    `domain: ${fields.domain ?? 'a'}`,
    `owner: ${fields.owner ?? 'a-service'}`,
    `version: ${fields.version ?? '1'}`,
    ...(fields.dependsOn === undefined ? [] : [`dependsOn: [${fields.dependsOn}]`]),
    'state: { type: object }',
    '',
  ].join('\n');

const editorSchema = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(`${ROOT}schemas/manifest.schema.json`, 'utf8')) as object);
const base = { domain: 'a', owner: 'a-service', version: 1, state: { type: 'object' } };

describe('version is an integer from 1 to 2147483647', () => {
  it.each(['99999999999999999999999999999999', '9007199254740993', '2147483648', '1e40', '0', '-1'])('version: %s is manifest-invalid at the value, as written', (version) => {
    const found = check(manifest({ version }));
    expect(found).toEqual([expect.objectContaining({ code: 'manifest-invalid', line: 3, column: 10 })]);
    expect(found[0]!.message).toBe(`\`version\` must be an integer from 1 to 2147483647, got \`${version}\``);
  });

  it('1 and 2147483647 are fine', () => {
    expect(check(manifest({ version: '2147483647' }))).toEqual([]);
    expect(check(manifest({ version: '1' }))).toEqual([]);
  });

  it('the editor schema agrees', () => {
    expect(editorSchema({ ...base, version: 2_147_483_647 })).toBe(true);
    expect(editorSchema({ ...base, version: 2_147_483_648 })).toBe(false);
    expect(editorSchema({ ...base, version: 9_007_199_254_740_993 })).toBe(false);
  });
});

describe('names are at most 64 characters', () => {
  const long = 'a'.repeat(65);
  it.each([
    ['domain', { domain: long }, 1, 9],
    ['owner', { owner: long }, 2, 8],
    ['a dependsOn entry', { dependsOn: long }, 4, 13],
  ] as const)('a 65-character %s is manifest-invalid at the name, and the message does not repeat it', (_what, fields, line, column) => {
    const found = check(manifest(fields)).filter((d) => d.code === 'manifest-invalid');
    expect(found).toEqual([expect.objectContaining({ line, column })]);
    expect(found[0]!.message).toMatch(/is 65 characters long: a name has at most 64/);
    expect(found[0]!.message).not.toContain(long);
  });

  it('a 1 MiB domain name ends quickly with a short message; 64 characters are fine', () => {
    const huge = 'a'.repeat(1 << 20);
    const found = check(manifest({ domain: huge }));
    expect(found).toEqual([expect.objectContaining({ code: 'manifest-invalid', line: 1, column: 9 })]);
    expect(found[0]!.message.length).toBeLessThan(200);
    expect(check(manifest({ domain: 'a'.repeat(64), owner: `${'b'.repeat(56)}-service` }))).toEqual([]);
  });

  it('the editor schema agrees', () => {
    expect(editorSchema({ ...base, domain: 'a'.repeat(64) })).toBe(true);
    expect(editorSchema({ ...base, domain: long })).toBe(false);
    expect(editorSchema({ ...base, owner: long })).toBe(false);
    expect(editorSchema({ ...base, dependsOn: [{ domain: long }] })).toBe(false);
  });
});
