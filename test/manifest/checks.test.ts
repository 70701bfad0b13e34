import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../../src/manifest/diagnostics.js';
import { buildFixture } from './load-fixture.js';

type Expected = { code: DiagnosticCode; file: string; line?: number; column?: number; message?: RegExp; hint?: RegExp };

/** Every fixture and exactly the diagnostics it must give: one mistake, one diagnostic. */
const cases: Record<string, Expected[]> = {
  'yaml-syntax': [{ code: 'yaml-syntax', file: 'yaml-syntax/broken.domain.yaml', line: 5, column: 9, message: /not valid YAML/ }],
  'manifest-invalid': [
    { code: 'manifest-invalid', file: 'manifest-invalid/lamp.domain.yaml', line: 2, column: 8, message: /`owner` `Lighting_Service` is not a valid name/, hint: /`lighting-service`/ },
    { code: 'manifest-invalid', file: 'manifest-invalid/lamp.domain.yaml', line: 3, column: 10, message: /`version` must be an integer from 1 to 2147483647/ },
    { code: 'manifest-invalid', file: 'manifest-invalid/lamp.domain.yaml', line: 4, column: 1, message: /unknown key `dependson`/, hint: /did you mean `dependsOn`\?/ },
  ],
  'schema-invalid': [
    { code: 'schema-invalid', file: 'schema-invalid/a.domain.yaml', line: 7, column: 19, message: /unresolved `\$ref` `#\/\$defs\/Lamps`/, hint: /did you mean `#\/\$defs\/Lamp`\?/ },
    { code: 'schema-invalid', file: 'schema-invalid/b.domain.yaml', line: 5, column: 9, message: /root must be an object schema/ },
    { code: 'schema-invalid', file: 'schema-invalid/c.domain.yaml', line: 9, column: 7, message: /unknown keyword `minimun`/, hint: /did you mean `minimum`\?/ },
  ],
  'duplicate-domain': [
    { code: 'duplicate-domain', file: 'duplicate-domain/b.domain.yaml', line: 2, column: 9, message: /`power` is declared twice: here and at duplicate-domain\/a\.domain\.yaml:1:9/ },
  ],
  'unknown-dependency': [
    { code: 'unknown-dependency', file: 'unknown-dependency/climate.domain.yaml', line: 5, column: 5, message: /`climate` depends on `powr`/, hint: /^did you mean `power`\?$/ },
  ],
  'self-dependency': [
    { code: 'self-dependency', file: 'self-dependency/energy.domain.yaml', line: 5, column: 13, message: /`power` depends on `tariff`, which its own service `energy-service` also owns/ },
    { code: 'self-dependency', file: 'self-dependency/energy.domain.yaml', line: 12, column: 13, message: /`tariff` depends on itself/ },
  ],
  'dependency-cycle': [
    {
      code: 'dependency-cycle',
      file: 'dependency-cycle/a.domain.yaml',
      line: 6,
      column: 5,
      message: /^dependency loop: svc-1 waits for b \(owned by svc-2\) → svc-2 waits for c \(owned by svc-1\)$/,
    },
  ],
  'no-manifests': [{ code: 'no-manifests', file: 'no-manifests', message: /no manifest found in `no-manifests`/ }],
  'multi-document': [{ code: 'manifest-invalid', file: 'multi-document/all.yaml', line: 9, column: 1, message: /unknown key `colour`/ }],
  'typo-and-loop': [
    { code: 'unknown-dependency', file: 'typo-and-loop/climate.domain.yaml', line: 5, column: 5, hint: /did you mean `power`/ },
    { code: 'dependency-cycle', file: 'typo-and-loop/climate.domain.yaml', line: 6, column: 5 },
  ],
  'optional-loop': [],
  // Three mistakes in one schema: one run reports all three (meta-schema and strict-mode findings together).
  'schema-all-at-once': [
    { code: 'schema-invalid', file: 'schema-all-at-once/lamp.domain.yaml', line: 7, column: 18, message: /required property `colour` is not defined/ },
    { code: 'schema-invalid', file: 'schema-all-at-once/lamp.domain.yaml', line: 10, column: 20, message: /`properties\.level\.type` must be one of/, hint: /^did you mean `integer`\?$/ },
    { code: 'schema-invalid', file: 'schema-all-at-once/lamp.domain.yaml', line: 11, column: 27, message: /unknown keyword `minLenght`/, hint: /did you mean `minLength`\?/ },
  ],
  // An unquoted `$ref: #/…` is a YAML comment: the parser fails a line later, the hint names the cause.
  'commented-ref': [
    { code: 'yaml-syntax', file: 'commented-ref/lamp.domain.yaml', line: 10, column: 3, hint: /^line 9: `\$ref: #\/\$defs\/Lamp` is not quoted.*quote it: `\$ref: '#\/\$defs\/Lamp'`$/ },
  ],
  'commented-ref-block': [
    { code: 'schema-invalid', file: 'commented-ref-block/lamp.domain.yaml', line: 10, column: 15, message: /`\$ref` must be text/, hint: /^line 10: `\$ref: #\/\$defs\/Lamp` is not quoted/ },
  ],
};

describe('the checks of MANIFEST.md, on fixtures', () => {
  for (const [name, expected] of Object.entries(cases)) {
    it(`${name}: ${expected.length === 0 ? 'no diagnostic' : expected.map((e) => e.code).join(', ')}`, () => {
      const result = buildFixture(name);
      const actual = result.diagnostics.map((d) => ({ code: d.code, file: d.file, line: d.line, column: d.column }));
      expect(actual).toEqual(expected.map((e) => ({ code: e.code, file: e.file, line: e.line, column: e.column })));
      expected.forEach((e, i) => {
        const d = result.diagnostics[i]!;
        expect(d.severity).toBe('error');
        if (e.message) expect(d.message).toMatch(e.message);
        if (e.hint) expect(d.hint).toMatch(e.hint);
      });
      expect(result.model === undefined).toBe(expected.length > 0);
    });
  }

  it('covers every code', () => {
    const covered = new Set(Object.values(cases).flatMap((list) => list.map((e) => e.code)));
    expect([...covered].sort()).toEqual([...DIAGNOSTIC_CODES].sort());
  });

  it('names the loop with services and domains as MANIFEST.md says', () => {
    const [d] = buildFixture('dependency-cycle').diagnostics;
    expect(d?.services).toEqual(['svc-1', 'svc-2', 'svc-1']);
    expect(d?.domains).toEqual(['b', 'c']);
  });

  it('does not report a loop that runs only through optional dependencies', () => {
    const result = buildFixture('optional-loop');
    expect(result.model?.waitsFor.map((e) => `${e.from}->${e.to}`)).toEqual(['svc-1->svc-2']);
    expect(result.graph.loops).toEqual([]);
  });
});
