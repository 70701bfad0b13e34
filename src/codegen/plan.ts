/** What generate must change in OUT: pure, from the expected files and what is on disk. */
import type { GeneratedFile } from './emitter.js';
import { hasGeneratedHeader } from './header.js';

export interface OutputPlan {
  /** Expected files absent from disk. */
  readonly missing: readonly GeneratedFile[];
  /** Expected files whose content on disk differs. */
  readonly stale: readonly GeneratedFile[];
  /** Files on disk carrying our header (or our topics.json) that generate would not write. */
  readonly extra: readonly string[];
  readonly unchanged: readonly string[];
}

/** Our JSON outputs cannot carry a header; they are recognised by name. */
const HEADERLESS_OUTPUTS = new Set(['topics.json']);

/** Whether a file found in OUT is one of ours (and so ours to replace or remove). */
export function isOwnOutput(path: string, content: string): boolean {
  return HEADERLESS_OUTPUTS.has(path) || hasGeneratedHeader(content);
}

export function planOutputs(expected: readonly GeneratedFile[], existing: ReadonlyMap<string, string>): OutputPlan {
  const missing: GeneratedFile[] = [];
  const stale: GeneratedFile[] = [];
  const unchanged: string[] = [];
  const expectedPaths = new Set(expected.map((f) => f.path));
  for (const file of expected) {
    const current = existing.get(file.path);
    if (current === undefined) missing.push(file);
    else if (current !== file.content) stale.push(file);
    else unchanged.push(file.path);
  }
  const extra = [...existing.entries()]
    .filter(([path, content]) => !expectedPaths.has(path) && isOwnOutput(path, content))
    .map(([path]) => path)
    .sort();
  return { missing, stale, extra, unchanged };
}
