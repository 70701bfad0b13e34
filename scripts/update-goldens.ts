/**
 * Rewrites test/fixtures/codegen/<case>/expected from the current generator.
 * Run: node --import tsx scripts/update-goldens.ts   (then review the diff)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CASES, CASES_DIR, generateCase } from '../test/codegen/golden.js';

for (const name of CASES) {
  const files = await generateCase(name);
  const dir = join(CASES_DIR, name, 'expected');
  rmSync(dir, { recursive: true, force: true });
  for (const file of files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.content);
  }
  console.log(`${name}: ${files.length} files`);
}
