import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSystem, type BuildResult } from '../../src/model/build-system.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/manifests/', import.meta.url));

/** Builds the system of test/fixtures/manifests/<name>, with paths relative to that folder. */
export function buildFixture(name: string): BuildResult {
  const files: Array<{ path: string; text: string }> = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${entry}/`);
      else if (/\.ya?ml$/.test(entry)) files.push({ path: `${prefix}${entry}`, text: readFileSync(full, 'utf8') });
    }
  };
  walk(join(FIXTURES, name), `${name}/`);
  return buildSystem(files, { system: 'test', folder: name });
}
