/**
 * Vitest global setup: build dist/ once, before any test file runs. Tests run the CLI
 * from dist/ (bin/chinook.js), so no test may build it while others spawn it.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..');

export default function buildOnce(): void {
  // From scratch: tsc never removes the output of a source file that is gone, and the
  // packed tarball must not ship such leftovers.
  rmSync(join(REPO, 'dist'), { recursive: true, force: true });
  const tsc = join(REPO, 'node_modules', '.bin', 'tsc');
  const build = spawnSync(tsc, ['-p', join(REPO, 'tsconfig.build.json')], { cwd: REPO, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build of dist/ failed (tsc -p tsconfig.build.json):\n${build.stdout}${build.stderr}`);
}
