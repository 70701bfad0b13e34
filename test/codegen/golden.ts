/**
 * Golden cases: test/fixtures/codegen/<case>/manifests (the input, as a user's project
 * would hold it) and <case>/expected (what `chinook generate` writes into `generated/`).
 * Shared by the golden test and scripts/update-goldens.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { createGenerateContext, type GenerateOptions } from '../../src/codegen/context.js';
import type { GeneratedFile } from '../../src/codegen/emitter.js';
import { generateOutputs } from '../../src/codegen/generate.js';
import { buildSystem, type ManifestFile } from '../../src/model/build-system.js';
import type { SystemModel } from '../../src/model/types.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const CASES_DIR = join(REPO, 'test', 'fixtures', 'codegen');
export const CASES = readdirSync(CASES_DIR).filter((name) => statSync(join(CASES_DIR, name)).isDirectory()).sort();

const toPosix = (p: string): string => p.split(sep).join('/');

export function listFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)])).sort();
}

/** A case's manifests with paths relative to the case folder (`manifests/x.yaml`), as a user's cwd would see them. */
export function readCaseManifests(caseName: string): ManifestFile[] {
  const root = join(CASES_DIR, caseName);
  return listFiles(join(root, 'manifests'))
    .filter((p) => /\.ya?ml$/.test(p))
    .map((p) => ({ path: toPosix(relative(root, p)), text: readFileSync(p, 'utf8') }));
}

export function caseOptions(caseName: string): GenerateOptions {
  return { system: caseName, manifests: 'manifests', out: 'generated', handlers: 'handlers', generatorVersion: '0.0.0-golden' };
}

export function buildCase(files: readonly ManifestFile[], caseName: string): SystemModel {
  const { model, diagnostics } = buildSystem(files, { system: caseName, folder: 'manifests' });
  if (!model) throw new Error(`fixture ${caseName} is invalid: ${diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('; ')}`);
  return model;
}

export async function generateFromFiles(files: readonly ManifestFile[], caseName: string, options: GenerateOptions = caseOptions(caseName)): Promise<GeneratedFile[]> {
  const model = buildCase(files, caseName);
  const ctx = createGenerateContext(model, options);
  return generateOutputs(model, ctx);
}

export async function generateCase(caseName: string): Promise<GeneratedFile[]> {
  return generateFromFiles(readCaseManifests(caseName), caseName);
}

export function readExpected(caseName: string): Map<string, string> {
  const dir = join(CASES_DIR, caseName, 'expected');
  return new Map(listFiles(dir).map((p) => [toPosix(relative(dir, p)), readFileSync(p, 'utf8')]));
}
