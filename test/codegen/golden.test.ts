import { describe, expect, it } from 'vitest';
import { hasGeneratedHeader } from '../../src/codegen/header.js';
import { CASES, REPO, generateCase, generateFromFiles, readCaseManifests, readExpected } from './golden.js';

describe('golden fixtures', () => {
  it.each(CASES)('%s: generate writes exactly the committed expected/ (run scripts/update-goldens.ts after a deliberate change)', async (name) => {
    const files = await generateCase(name);
    const expected = readExpected(name);
    expect(files.map((f) => f.path)).toEqual([...expected.keys()]);
    for (const file of files) expect(file.content, file.path).toBe(expected.get(file.path));
  });

  it.each(CASES)('%s: every file but JSON has the header; no require(, any, absolute path or timestamp', async (name) => {
    for (const file of await generateCase(name)) {
      if (file.path.endsWith('.json')) expect(() => JSON.parse(file.content)).not.toThrow();
      else expect(hasGeneratedHeader(file.content), file.path).toBe(true);
      expect(file.content).not.toContain('require(');
      expect(file.content).not.toMatch(/:\s*any\b|<any>|\bas any\b/);
      expect(file.content).not.toContain(REPO);
      expect(file.content).not.toMatch(/20\d\d-\d\d-\d\dT/);
      expect(file.content.endsWith('\n'), file.path).toBe(true);
    }
  });
});

describe('idempotence', () => {
  it.each(CASES)('%s: twice gives the same bytes; reversed file order gives the same bytes', async (name) => {
    const manifests = readCaseManifests(name);
    const first = await generateFromFiles(manifests, name);
    const second = await generateFromFiles(manifests, name);
    const reversed = await generateFromFiles([...manifests].reverse(), name);
    expect(second).toEqual(first);
    expect(reversed).toEqual(first);
  });
});
