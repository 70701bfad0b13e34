/**
 * STYLE.md: a function a reader cannot hold in mind (over ~80 lines) is a defect to split.
 * This pins it for every function in src/: declarations, methods, accessors, arrow functions
 * and function expressions, measured from their first to their last line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const MAX_LINES = 80;

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listSources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function nameOf(node: ts.Node, file: ts.SourceFile): string {
  const named = node as { name?: ts.Node };
  if (named.name) return named.name.getText(file);
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText(file);
  return '(anonymous)';
}

/** Every function-like node longer than `max` lines, as `file:line name (N lines)`. */
export function longFunctions(path: string, max: number): string[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body !== undefined) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > max) found.push(`${relative(SRC, path)}:${first + 1} ${nameOf(node, file)} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('function size', () => {
  it(`no function in src/ is over ${MAX_LINES} lines`, () => {
    expect(listSources(SRC).flatMap((f) => longFunctions(f, MAX_LINES))).toEqual([]);
  });

  it('measures what it claims: a long function is found, a short one is not', () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'function-size', 'sample.ts');
    expect(longFunctions(fixture, 5).map((l) => l.replace(/^.*sample\.ts/, 'sample.ts'))).toEqual([
      'sample.ts:2 long (8 lines)',
      'sample.ts:11 arrow (7 lines)',
    ]);
  });
});
