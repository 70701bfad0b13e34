/**
 * schemas/manifest.schema.json is the manifest format's one definition: checkManifest
 * validates with it, and manifest-errors.ts turns each ajv error into the sentence and
 * place a person reads. One case per sentence, at the position it must point to.
 */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { checkManifest } from '../../src/manifest/check-manifest.js';
import { compareDiagnostics } from '../../src/manifest/diagnostics.js';
import { manifestValidator } from '../../src/manifest/manifest-errors.js';
import { DEPENDENCY_KEYS, MANIFEST_KEYS, MANIFEST_SCHEMA, NAME_MAX_LENGTH, NAME_PATTERN, VERSION_MAX } from '../../src/manifest/manifest-schema.js';
import { parseYamlFile } from '../../src/manifest/yaml-document.js';

const HEAD = 'domain: a\nowner: a-service\nversion: 1\nstate: { type: object }\n';

function check(text: string): ReturnType<typeof checkManifest> {
  const parsed = parseYamlFile('m.yaml', text);
  expect(parsed.diagnostics).toEqual([]);
  return checkManifest(parsed.documents[0]!);
}

function found(text: string): Array<{ at: string; message: string; hint?: string }> {
  return [...check(text).diagnostics].sort(compareDiagnostics).map((d) => ({ at: `${d.line}:${d.column}`, message: d.message, ...(d.hint === undefined ? {} : { hint: d.hint }) }));
}

describe('the schema is the definition', () => {
  it('is a valid draft-07 schema that compiles in strict mode', () => {
    const ajv = new Ajv({ strict: true });
    expect(ajv.validateSchema(MANIFEST_SCHEMA as object), JSON.stringify(ajv.errors)).toBe(true);
    expect(typeof manifestValidator()).toBe('function');
  });

  it('gives the bounds and keys the rest of the toolchain reads', () => {
    expect(NAME_MAX_LENGTH).toBe(64);
    expect(VERSION_MAX).toBe(2_147_483_647);
    expect(NAME_PATTERN.test('lighting-service')).toBe(true);
    expect(NAME_PATTERN.test('Lighting_Service')).toBe(false);
    expect(MANIFEST_KEYS).toEqual(['domain', 'owner', 'version', 'description', 'dependsOn', 'state']);
    expect(DEPENDENCY_KEYS).toEqual(['domain', 'optional']);
  });

  it('a valid manifest reads back whole', () => {
    const { manifest, diagnostics } = check(`${HEAD}description: Lamps\ndependsOn: [power, { domain: presence, optional: true }]\nx-team: home\n`);
    expect(diagnostics).toEqual([]);
    expect(manifest).toMatchObject({ valid: true, domain: 'a', owner: 'a-service', version: 1, description: 'Lamps', state: { type: 'object' } });
    expect(manifest.dependsOn).toEqual([
      { domain: 'power', optional: false, span: { file: 'm.yaml', line: 6, column: 13, endColumn: 18 } },
      { domain: 'presence', optional: true, span: { file: 'm.yaml', line: 6, column: 30, endColumn: 38 } },
    ]);
  });
});

describe('each ajv error becomes the sentence at its place', () => {
  it('a document that is not a mapping', () => {
    expect(found('- a\n- b\n')).toEqual([{ at: '1:1', message: 'a manifest must be a mapping with `domain`, `owner`, `version` and `state`, got a list' }]);
  });

  it('missing keys (required), at the document start, one each with its hint', () => {
    expect(found('x-only: 1\n').map((d) => d.message)).toEqual(['missing required key `domain`', 'missing required key `owner`', 'missing required key `state`', 'missing required key `version`']);
    expect(found('domain: a\nowner: a-service\nstate: { type: object }\n')).toEqual([{ at: '1:1', message: 'missing required key `version`', hint: 'start at `version: 1`' }]);
  });

  it('unknown keys (additionalProperties), at the key, with a did-you-mean or the known keys; x- keys pass', () => {
    expect(found(`${HEAD}dependson: [b]\ncolour: blue\nx-colour: blue\n`)).toEqual([
      { at: '5:1', message: 'unknown key `dependson` in a manifest', hint: 'did you mean `dependsOn`?' },
      { at: '6:1', message: 'unknown key `colour` in a manifest', hint: 'known keys: domain, owner, version, description, dependsOn, state; keys starting with `x-` are ignored' },
    ]);
  });

  it('keys that toJS names otherwise than they are written (null, 1 and "1") are each reported, as written', () => {
    expect(found(`${HEAD}~: 1\n"": 2\n1: 3\n"1": 4\n`).map((d) => `${d.at} ${d.message}`)).toEqual([
      '5:1 unknown key `null` in a manifest',
      '6:1 unknown key `` in a manifest',
      '7:1 unknown key `1` in a manifest',
      '8:1 unknown key `1` in a manifest',
    ]);
  });

  it('names: not text (type), too long (maxLength), not of the pattern: one sentence each, at the value', () => {
    expect(found(`domain: 5\nowner: ${'a'.repeat(65)}_\nversion: 1\nstate: { type: object }\n`)).toEqual([
      { at: '1:9', message: '`domain` must be a name like `lighting-service`, got `5`' },
      { at: '2:8', message: `\`owner\` the text \`${'a'.repeat(40)}…\` is 66 characters long: a name has at most 64`, hint: 'use a shorter name' },
    ]);
    expect(found('domain: Lamp_Room\nowner: a-service\nversion: 1\nstate: { type: object }\n')).toEqual([
      { at: '1:9', message: '`domain` `Lamp_Room` is not a valid name: use lowercase letters and digits, words joined by single dashes, starting with a letter', hint: 'for example `lamp-room`' },
    ]);
  });

  it('lengths count UTF-16 units, as names were always measured', () => {
    const [d] = found(`domain: ${'😀'.repeat(33)}\nowner: a-service\nversion: 1\nstate: { type: object }\n`);
    expect(d?.message).toMatch(/is 66 characters long/);
  });

  it('version, description, dependsOn and state of the wrong kind', () => {
    expect(found('domain: a\nowner: a-service\nversion: 1.5\ndescription: [x]\ndependsOn: power\nstate: text\n')).toEqual([
      { at: '3:10', message: '`version` must be an integer from 1 to 2147483647, got `1.5`', hint: 'start at `version: 1`; bump it on a breaking change of `state`' },
      { at: '4:14', message: '`description` must be text, got a list' },
      { at: '5:12', message: '`dependsOn` must be a list of domains, got the text `power`', hint: 'write `dependsOn: [power]` or one `- power` per line' },
      { at: '6:8', message: '`state` must be a JSON Schema mapping (with `type: object`), got the text `text`' },
    ]);
  });

  it('what `state` holds is not checked here (check-state-schema reports it as schema-invalid)', () => {
    expect(found('domain: a\nowner: a-service\nversion: 1\nstate: { type: array, minimun: 1 }\n')).toEqual([]);
    expect(check('domain: a\nowner: a-service\nversion: 1\nstate: {}\n').manifest.state).toEqual({});
  });

  it('a dependsOn entry: only the form it is written in is reported (anyOf)', () => {
    expect(found(`${HEAD}dependsOn: [Power, 5, [b], { domain: B, optinal: true }, { optional: 1 }]\n`)).toEqual([
      { at: '5:13', message: '`dependsOn entry` `Power` is not a valid name: use lowercase letters and digits, words joined by single dashes, starting with a letter', hint: 'for example `power`' },
      { at: '5:20', message: '`dependsOn entry` must be a name like `lighting-service`, got `5`' },
      { at: '5:23', message: 'a dependsOn entry must be a domain name or a mapping with `domain` and `optional`, got a list' },
      { at: '5:38', message: '`dependsOn entry `domain`` `B` is not a valid name: use lowercase letters and digits, words joined by single dashes, starting with a letter', hint: 'for example `b`' },
      { at: '5:41', message: 'unknown key `optinal` in a dependsOn entry', hint: 'did you mean `optional`?' },
      { at: '5:58', message: 'a dependsOn entry in long form needs `domain`', hint: 'write `- domain: power` (and `optional: true` if the owner should not wait for it)' },
      { at: '5:70', message: '`optional` must be `true` or `false`, got `1`' },
    ]);
  });
});

describe('what JSON Schema cannot say stays in code', () => {
  it('a domain listed twice, in either form, at the second', () => {
    const { manifest, diagnostics } = check(`${HEAD}dependsOn:\n  - power\n  - domain: power\n    optional: true\n`);
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual(['7:13 `power` is listed twice in `dependsOn` (first at line 6)']);
    expect(manifest.dependsOn.map((d) => d.domain)).toEqual(['power']);
    expect(manifest.valid).toBe(false);
  });

  it('an alias is read like every other alias, and placed where it is written', () => {
    const { manifest, diagnostics } = check(`${HEAD}x-power: &p power\ndependsOn:\n  - *p\n`);
    expect(diagnostics).toEqual([]);
    expect(manifest.dependsOn).toEqual([{ domain: 'power', optional: false, span: { file: 'm.yaml', line: 7, column: 5, endColumn: 7 } }]);
  });

  it('valid entries are still read when a neighbour is not, so one mistake does not cascade', () => {
    const { manifest } = check(`${HEAD}dependsOn: [power, 5, { domain: tariff }]\n`);
    expect(manifest.dependsOn.map((d) => d.domain)).toEqual(['power', 'tariff']);
    expect(manifest).toMatchObject({ valid: false, domain: 'a', owner: 'a-service' });
  });
});

describe('every key the schema defines has a sentence of its own (not ajv\'s words)', () => {
  const wrong = { domain: '[x]', owner: '[x]', version: '[x]', description: '[x]', dependsOn: '{ a: 1 }', state: '[x]' } as const;
  it.each(MANIFEST_KEYS)('%s', (key) => {
    const text = Object.entries({ domain: 'a', owner: 'a-service', version: '1', state: '{ type: object }', [key]: wrong[key as keyof typeof wrong] })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
    const [d] = found(text);
    expect(d?.message).toMatch(new RegExp(`^\`${key}\` must be`));
    expect(d?.message).not.toMatch(/must be (string|integer|number|boolean|array|object)$/);
  });

  it.each(DEPENDENCY_KEYS)('dependsOn entry %s', (key) => {
    const [d] = found(`${HEAD}dependsOn: [{ ${key === 'domain' ? '' : 'domain: b, '}${key}: [x] }]\n`);
    expect(d?.at).toBe(key === 'domain' ? '5:23' : '5:36');
    expect(d?.message).not.toMatch(/must be (string|integer|number|boolean|array|object)$/);
  });
});
