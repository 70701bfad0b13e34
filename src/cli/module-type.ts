/**
 * Generated code and handlers are ES modules. In a CommonJS project (`npm init -y` writes
 * `"type": "commonjs"`, and a package.json without `type` means the same), Node, tsx and
 * `tsc` would read them as CommonJS: so their folders declare themselves ESM with a
 * package.json of their own, written by generate (OUT and the handlers' folder) and init.
 * Only where needed: inside an ESM package a nested package.json would cut the package's
 * self-reference (`chinook-ipc/runtime` from this repository's own generated/).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { exists } from './paths.js';

export type ModuleType = 'module' | 'commonjs';

export interface PackageScope {
  readonly type: ModuleType;
  /** The package.json that decides it; undefined when there is none up to the root. */
  readonly packageJson: string | undefined;
}

/** How Node reads a `.ts`/`.js` file in `dir`: the `type` of the nearest package.json. */
export async function findPackageScope(dir: string): Promise<PackageScope> {
  let current = resolve(dir);
  for (;;) {
    const path = join(current, 'package.json');
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      let type: unknown;
      try {
        type = (JSON.parse(text) as { type?: unknown }).type;
      } catch {
        type = undefined;
      }
      return { type: type === 'module' ? 'module' : 'commonjs', packageJson: path };
    }
    const parent = dirname(current);
    if (parent === current) return { type: 'commonjs', packageJson: undefined };
    current = parent;
  }
}

/** `<dir>/package.json` that makes a folder ESM; `what` says whose folder it is. */
export function esmPackageJson(what: string): string {
  return JSON.stringify({ '//': `written by chinook: ${what} are ES modules, also inside a CommonJS project`, type: 'module' }, null, 2) + '\n';
}

/**
 * Makes `dir` (relative to `cwd`, existing) an ESM scope when it is in a CommonJS one, by
 * creating `<dir>/package.json`; never overwrites, never touches the project's own
 * package.json (`dir` = `cwd`). Not a generated output (those depend on the manifests
 * alone): `generate --check` leaves it alone. Returns the file created, relative to `cwd`.
 */
export async function ensureEsmScope(dir: string, cwd: string, what: string): Promise<string | undefined> {
  const abs = resolve(cwd, dir);
  if (abs === resolve(cwd)) return undefined;
  if ((await findPackageScope(abs)).type === 'module') return undefined;
  const path = join(abs, 'package.json');
  if (await exists(path)) return undefined;
  try {
    await writeFile(path, esmPackageJson(what), { flag: 'wx' });
  } catch {
    return undefined;
  }
  return relative(cwd, path);
}

/** What to change when `dir` would be read as CommonJS; undefined when it is ESM. */
export async function explainCommonJsScope(dir: string, cwd: string): Promise<string | undefined> {
  const scope = await findPackageScope(resolve(cwd, dir));
  if (scope.type === 'module') return undefined;
  const shownDir = relative(cwd, resolve(cwd, dir)) || '.';
  const decidedBy = scope.packageJson === undefined ? 'no package.json declares `"type": "module"`' : `${relative(cwd, scope.packageJson) || 'package.json'} makes it CommonJS`;
  return (
    `${shownDir}/ holds ES modules, but ${decidedBy}. ` +
    `Run \`chinook generate\` (it writes ${join(shownDir, 'package.json')} with {"type": "module"} in a CommonJS project), ` +
    'or create that file yourself, or set "type": "module" in your package.json'
  );
}
